import java.io.BufferedReader;
import java.io.FileReader;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;

/**
 * Replays a recorded trace through generated MobiproxAdaptation classes (Java or Kotlin, found by name) and
 * prints, per class, the configuration index each sample ran on, space-separated on one line.
 * Trace file: "configs samples", then per sample "battery charging(0|1) mode pred_0 conf_0 pred_1 conf_1 ...".
 */
public final class ReplayHarness {
    public static void main(String[] args) throws Exception {
        List<String[]> rows = new ArrayList<>();
        int configs;
        try (BufferedReader in = new BufferedReader(new FileReader(args[0]))) {
            configs = Integer.parseInt(in.readLine().trim().split(" ")[0]);
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (!line.isEmpty()) rows.add(line.split(" "));
            }
        }
        StringBuilder out = new StringBuilder();
        for (int a = 1; a < args.length; a++) {
            Class<?> cls = Class.forName(args[a]);
            Object engine = cls.getConstructor().newInstance();
            Method index = cls.getMethod("index");
            Method next = cls.getMethod("next", int.class, double.class);
            Method setContext = null;
            for (Method m : cls.getMethods()) if (m.getName().equals("setContext")) setContext = m;
            for (int t = 0; t < rows.size(); t++) {
                String[] r = rows.get(t);
                if (setContext != null) setContext.invoke(engine, Double.parseDouble(r[0]), r[1].equals("1"), r[2]);
                int k = (Integer) index.invoke(engine);
                if (k < 0 || k >= configs) throw new IllegalStateException(args[a] + " chose " + k + " at sample " + t);
                out.append(t == 0 ? "" : " ").append(k);
                next.invoke(engine, Integer.parseInt(r[3 + 2 * k]), Double.parseDouble(r[4 + 2 * k]));
            }
            out.append('\n');
        }
        System.out.print(out);
    }
}
