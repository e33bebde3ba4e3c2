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

    /** The message of the last failure on this handle (empty when none). */
    public static native String lastError(long handle);

    public static native void destroy(long handle);
}
