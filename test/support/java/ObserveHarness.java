import java.io.BufferedReader;
import java.io.FileReader;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;

/**
 * Replays raw model outputs through generated MobiproxAdaptation classes' observe(): per class, the
 * configuration index each sample ran on, space-separated on one line.
 * Trace file: "configs samples classes", then per sample the outputs of configuration 0, 1, ... (classes floats each).
 */
public final class ObserveHarness {
    public static void main(String[] args) throws Exception {
        List<String[]> rows = new ArrayList<>();
        int classes;
        try (BufferedReader in = new BufferedReader(new FileReader(args[0]))) {
            classes = Integer.parseInt(in.readLine().trim().split(" ")[2]);
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (!line.isEmpty()) rows.add(line.split(" "));
            }
        }
        StringBuilder out = new StringBuilder();
        for (int a = 1; a < args.length; a++) {
            Class<?> cls = Class.forName(args[a]);
            Object engine = cls.getConstructor().newInstance();
            Method index = cls.getMethod("index");
            Method observe = cls.getMethod("observe", float[].class);
            for (int t = 0; t < rows.size(); t++) {
                int k = (Integer) index.invoke(engine);
                float[] output = new float[classes];
                for (int j = 0; j < classes; j++) output[j] = Float.parseFloat(rows.get(t)[k * classes + j]);
                out.append(t == 0 ? "" : " ").append(k);
                observe.invoke(engine, (Object) output);
            }
            out.append('\n');
        }
        System.out.print(out);
    }
}
