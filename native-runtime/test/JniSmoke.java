import com.mobiprox.MobiproxRuntime;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Paths;

/** The JNI wrapper end to end: java JniSmoke DIR (the models of make_test_model.py). Exits 1 on a failure. */
public class JniSmoke {
    static int failures;

    static void check(boolean ok, String what) {
        if (!ok) {
            failures++;
            System.out.println("FAIL " + what);
        }
    }

    static float[] floats(String path) throws Exception {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(Paths.get(path))).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[b.remaining() / 4];
        b.asFloatBuffer().get(out);
        return out;
    }

    static boolean throwsWith(Runnable r, String needle) {
        try {
            r.run();
            return false;
        } catch (RuntimeException e) {
            return e.getMessage() != null && e.getMessage().contains(needle);
        }
    }

    static boolean throwsWith(Class<? extends RuntimeException> type, Runnable r, String needle) {
        try {
            r.run();
            return false;
        } catch (RuntimeException e) {
            return type.isInstance(e) && e.getMessage() != null && e.getMessage().contains(needle);
        }
    }

    public static void main(String[] args) throws Exception {
        String dir = args[0];
        long h = MobiproxRuntime.create(dir + "/cnn.mpxm", 2);
        MobiproxRuntime.loadConfigs(h, new String(Files.readAllBytes(Paths.get(dir + "/cnn.configs")), "UTF-8"));
        int configs = MobiproxRuntime.configCount(h), in = MobiproxRuntime.inputSize(h), out = MobiproxRuntime.outputSize(h);
        float[] x = floats(dir + "/cnn.input.f32"), expected = floats(dir + "/cnn.expected.f32");
        int n = x.length / in;
        check(configs == expected.length / (n * out), "configCount " + configs);
        float[] y = new float[n * out];
        for (int c = 0; c < configs; c++) {
            MobiproxRuntime.setConfig(h, c);
            check(MobiproxRuntime.getConfig(h) == c, "getConfig after setConfig " + c);
            MobiproxRuntime.infer(h, x, n, y);
            float tolerance = c == 5 || c == 6 ? 1.0f / 2048 : 1e-6f; /* the fp16 configurations: one ulp */
            for (int i = 0; i < y.length; i++)
                check(Math.abs(y[i] - expected[c * n * out + i]) <= tolerance,
                      MobiproxRuntime.configName(h, c) + " output " + i + " is " + y[i]);
        }
        final long model = h;
        check(throwsWith(() -> MobiproxRuntime.setConfig(model, 99), "index 99"), "bad index throws");
        check(throwsWith(() -> MobiproxRuntime.loadConfigs(model, "0.0\n+++++\nx 1 1 1 1\n1 cpu relu fp32 11\n"),
                         "configuration x line 4"), "bad configuration throws with its line");
        check(throwsWith(() -> MobiproxRuntime.infer(model, new float[3], 1, new float[out]), "inputSize"),
              "short input array throws");
        check(MobiproxRuntime.configCount(h) == configs, "a rejected configuration text keeps the set");
        /* The runtime's timing method: its contract only, no absolute time (20: mpx_measure's least rounds). */
        MobiproxRuntime.setConfig(h, 2);
        MobiproxRuntime.Measurement[] t = MobiproxRuntime.measure(h, new int[] {0, 3}, x, n, 2, 0.02, 2);
        check(t.length == 2, "measure gives one result per configuration, not " + t.length);
        check(MobiproxRuntime.getConfig(h) == 2, "measure leaves the configuration that was set");
        check(t[0].speedup == 1 && t[0].speedupLow == 1 && t[0].speedupHigh == 1, "the baseline's speedup is 1: " + t[0]);
        for (int c = 0; c < t.length; c++) {
            MobiproxRuntime.Measurement r = t[c];
            double[][] intervals = {{r.latencyLow, r.latencyMs, r.latencyHigh}, {r.cpuLow, r.cpuMs, r.cpuHigh},
                                    {r.wallLow, r.wallMs, r.wallHigh}, {r.speedupLow, r.speedup, r.speedupHigh}};
            for (int k = 0; k < intervals.length; k++)
                check(intervals[k][0] > 0 && intervals[k][0] <= intervals[k][1] && intervals[k][1] <= intervals[k][2],
                      "measurement " + c + " interval " + k + ": " + java.util.Arrays.toString(intervals[k]));
            check(r.rounds >= 20 && r.samplesPerUnit >= 1, "measurement " + c + ": " + r.rounds + " rounds of "
                  + r.samplesPerUnit + " samples");
        }
        check(!MobiproxRuntime.cpuName().isEmpty() && !MobiproxRuntime.kernelsName().isEmpty(), "the CPU and kernels are named");
        check(throwsWith(IllegalArgumentException.class, () -> MobiproxRuntime.measure(model, new int[] {0, 99}, x, n, 2, 0, 1),
                         "configuration 99"), "measuring a bad configuration throws naming it");
        check(throwsWith(IllegalArgumentException.class, () -> MobiproxRuntime.measure(model, new int[] {0}, x, n + 1, 1, 0, 1),
                         "inputSize"), "measuring more samples than the input holds throws");
        MobiproxRuntime.destroy(h);
        check(throwsWith(() -> MobiproxRuntime.create(dir + "/missing.mpxm", 1), "missing.mpxm"), "missing model throws");
        check(throwsWith(() -> MobiproxRuntime.create(dir + "/cnn.configs", 1), "magic"), "non-model throws");
        System.out.println(failures == 0 ? "JNI: all checks passed" : "JNI: " + failures + " failed");
        System.exit(failures == 0 ? 0 : 1);
    }
}
