package com.mobiprox;

/**
 * The Mobiprox native runtime (libmobiprox_jni.so): one loaded model whose approximation configuration can be
 * switched between inferences without reloading. A handle is used by one thread at a time. Failures throw a
 * RuntimeException carrying the runtime's message.
 */
public final class MobiproxRuntime {
    static {
        System.loadLibrary("mobiprox_jni");
    }

    private MobiproxRuntime() {}

    /** Loads a .mpxm model; threads <= 0 means one per online CPU. Returns a handle for the other calls. */
    public static native long create(String path, int threads);

    /** Replaces the configurations with ones parsed from ApproxTuner/HPVM text; index 0 is exact. */
    public static native void loadConfigs(long handle, String text);

    public static native int configCount(long handle);

    public static native String configName(long handle, int index);

    public static native void setConfig(long handle, int index);

    public static native int getConfig(long handle);

    /** Floats per sample of the input and of the first output. */
    public static native int inputSize(long handle);

    public static native int outputSize(long handle);

    /** Runs batch samples: input holds batch * inputSize floats, output receives batch * outputSize. */
    public static native void infer(long handle, float[] input, int batch, float[] output);

    /**
     * One configuration's timing by the runtime's one method (mpx_measure in mobiprox.h; README, "How speed is
     * measured"): per-sample times in milliseconds and the speedup over the baseline, each a median over rounds
     * with its 95 % interval [low, high].
     */
    public static final class Measurement {
        /** Doubles per configuration in measureNative's result (mobiprox_jni.c, MEASUREMENT_FIELDS). */
        static final int FIELDS = 17;

        /** Per sample, on the method's clock: the CPU time with one thread, else the wall time. */
        public final double latencyMs, latencyLow, latencyHigh;
        /** CPU time per sample of the inference threads. */
        public final double cpuMs, cpuLow, cpuHigh;
        public final double wallMs, wallLow, wallHigh;
        /** The baseline's CPU time over this configuration's, paired by round: exactly 1 for the baseline. */
        public final double speedup, speedupLow, speedupHigh;
        /** Per sample (user mode, one-thread handles); NaN where the kernel refuses the counters. */
        public final double cycles, instructions;
        public final int rounds, samplesPerUnit;
        /** Every interval reached the target before the time cap. */
        public final boolean converged;

        Measurement(double[] v, int at) {
            latencyMs = v[at];
            latencyLow = v[at + 1];
            latencyHigh = v[at + 2];
            cpuMs = v[at + 3];
            cpuLow = v[at + 4];
            cpuHigh = v[at + 5];
            wallMs = v[at + 6];
            wallLow = v[at + 7];
            wallHigh = v[at + 8];
            speedup = v[at + 9];
            speedupLow = v[at + 10];
            speedupHigh = v[at + 11];
            cycles = v[at + 12];
            instructions = v[at + 13];
            rounds = (int) v[at + 14];
            samplesPerUnit = (int) v[at + 15];
            converged = v[at + 16] != 0;
        }

        @Override
        public String toString() {
            return "speedup " + speedup + " [" + speedupLow + ", " + speedupHigh + "], latency " + latencyMs + " ms ["
                    + latencyLow + ", " + latencyHigh + "], " + rounds + " rounds" + (converged ? "" : " (not converged)");
        }
    }

    /**
     * Times configurations of the loaded set (configs[0] is the speedup's baseline) on the first samples of input
     * (samples * inputSize floats), batch samples per inference, all of them in interleaved rounds in this process,
     * until every speedup's 95 % interval is within +-targetRelativeHalfWidth of its estimate or maxSeconds have
     * passed (after at least 20 rounds). Values <= 0 take the runtime's defaults: batch 1, 0.02, 20 s. Returns one
     * Measurement per configuration, in order, and leaves the configuration that was set. Blocks for the whole
     * measurement: call it off the UI thread. A configuration outside the set throws IllegalArgumentException.
     */
    public static Measurement[] measure(long handle, int[] configs, float[] input, int samples, int batch,
                                        double targetRelativeHalfWidth, double maxSeconds) {
        double[] v = measureNative(handle, configs, input, samples, batch, targetRelativeHalfWidth, maxSeconds);
        Measurement[] out = new Measurement[v.length / Measurement.FIELDS];
        for (int c = 0; c < out.length; c++) out[c] = new Measurement(v, c * Measurement.FIELDS);
        return out;
    }

    private static native double[] measureNative(long handle, int[] configs, float[] input, int samples, int batch,
                                                 double targetRelativeHalfWidth, double maxSeconds);

    /** What produced a measurement: the CPU's model name ("unknown" when unreadable) and the convolution kernels. */
    public static native String cpuName();

    public static native String kernelsName();

    /** The message of the last failure on this handle (empty when none). */
    public static native String lastError(long handle);

    public static native void destroy(long handle);
}
