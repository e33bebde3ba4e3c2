/**
 * The runtime wrapper in the user's package: one loaded model and its configurations over the JNI class
 * com.mobiprox.MobiproxRuntime (native-runtime/jni), with an owned handle, set/get of the configuration
 * index, inference and close.
 */
import { Lang } from './literals';

export function wrapperSource(lang: Lang, pkg: string, header: string): string {
  return lang === 'java' ? java(pkg, header) : kotlin(pkg, header);
}

function java(pkg: string, header: string): string {
  return `${header}
package ${pkg};

import com.mobiprox.MobiproxRuntime;

/**
 * One Mobiprox model and its approximation configurations, switched between inferences without reloading.
 * Used by one thread at a time; close() frees the native model.
 */
public final class MobiproxModel implements AutoCloseable {
    private long handle;

    /** Loads a .mpxm model file and its configurations (ApproxTuner/HPVM text); threads <= 0: one per core. */
    public MobiproxModel(String modelPath, String configurations, int threads) {
        handle = MobiproxRuntime.create(modelPath, threads);
        try {
            MobiproxRuntime.loadConfigs(handle, configurations);
        } catch (RuntimeException e) {
            MobiproxRuntime.destroy(handle);
            handle = 0;
            throw e;
        }
    }

    public int configurationCount() {
        return MobiproxRuntime.configCount(live());
    }

    public String configurationName(int index) {
        return MobiproxRuntime.configName(live(), index);
    }

    /** Runs the next inferences under configuration index (0 = exact). */
    public void setConfiguration(int index) {
        MobiproxRuntime.setConfig(live(), index);
    }

    public int getConfiguration() {
        return MobiproxRuntime.getConfig(live());
    }

    /** Floats per sample of the input and of the output. */
    public int inputSize() {
        return MobiproxRuntime.inputSize(live());
    }

    public int outputSize() {
        return MobiproxRuntime.outputSize(live());
    }

    /** One sample: inputSize() floats in, outputSize() floats out. */
    public float[] infer(float[] input) {
        float[] output = new float[outputSize()];
        MobiproxRuntime.infer(live(), input, 1, output);
        return output;
    }

    /** batch samples: batch * inputSize() floats in, batch * outputSize() floats written to output. */
    public void infer(float[] input, int batch, float[] output) {
        MobiproxRuntime.infer(live(), input, batch, output);
    }

    @Override
    public void close() {
        if (handle != 0) {
            MobiproxRuntime.destroy(handle);
            handle = 0;
        }
    }

    private long live() {
        if (handle == 0) throw new IllegalStateException("The Mobiprox model is closed.");
        return handle;
    }
}
`;
}

function kotlin(pkg: string, header: string): string {
  return `${header}
package ${pkg}

import com.mobiprox.MobiproxRuntime

/**
 * One Mobiprox model and its approximation configurations, switched between inferences without reloading.
 * Used by one thread at a time; close() frees the native model.
 * Loads a .mpxm model file and its configurations (ApproxTuner/HPVM text); threads <= 0: one per core.
 */
class MobiproxModel(modelPath: String, configurations: String, threads: Int) : java.io.Closeable {
    private var handle: Long = MobiproxRuntime.create(modelPath, threads)

    init {
        try {
            MobiproxRuntime.loadConfigs(handle, configurations)
        } catch (e: RuntimeException) {
            MobiproxRuntime.destroy(handle)
            handle = 0
            throw e
        }
    }

    fun configurationCount(): Int = MobiproxRuntime.configCount(live())

    fun configurationName(index: Int): String = MobiproxRuntime.configName(live(), index)

    /** Runs the next inferences under configuration index (0 = exact). */
    fun setConfiguration(index: Int) = MobiproxRuntime.setConfig(live(), index)

    fun getConfiguration(): Int = MobiproxRuntime.getConfig(live())

    /** Floats per sample of the input and of the output. */
    fun inputSize(): Int = MobiproxRuntime.inputSize(live())

    fun outputSize(): Int = MobiproxRuntime.outputSize(live())

    /** One sample: inputSize() floats in, outputSize() floats out. */
    fun infer(input: FloatArray): FloatArray {
        val output = FloatArray(outputSize())
        MobiproxRuntime.infer(live(), input, 1, output)
        return output
    }

    /** batch samples: batch * inputSize() floats in, batch * outputSize() floats written to output. */
    fun infer(input: FloatArray, batch: Int, output: FloatArray) = MobiproxRuntime.infer(live(), input, batch, output)

    override fun close() {
        if (handle != 0L) {
            MobiproxRuntime.destroy(handle)
            handle = 0
        }
    }

    private fun live(): Long {
        if (handle == 0L) throw IllegalStateException("The Mobiprox model is closed.")
        return handle
    }
}
`;
}

/**
 * The usage snippet: a class that runs each inference at the engine's index and feeds its output back. A whole
 * class, so that it is valid code wherever a declaration is (after the imports, in a class, in a function)
 * and needs nothing from around it. With asset names it copies the app's assets to storage (the native model
 * reads a file); without, the model and its configurations are the app's to provide (generate writes neither).
 */
export function usageSnippet(lang: Lang, modelAsset?: string, configsAsset?: string): string {
  const assets = modelAsset !== undefined && configsAsset !== undefined;
  return lang === 'kotlin'
    ? `/** The model under the Mobiprox adaptation engine: one classify() per input window. */
class MobiproxClassifier(${assets ? 'context: android.content.Context' : 'modelPath: String, configurationsText: String'}) : AutoCloseable {
    private val model = ${assets ? `MobiproxModel(asset(context, "${modelAsset}").path, asset(context, "${configsAsset}").readText(), 0)` : 'MobiproxModel(modelPath, configurationsText, 0)'}
    private val adaptation = MobiproxAdaptation()

    fun classify(window: FloatArray): Int {
        model.setConfiguration(adaptation.index())
        val output = model.infer(window)
        adaptation.observe(output) // picks the configuration of the next inference
        return MobiproxAdaptation.argmax(output)
    }

    // With context rules: adaptation.setContext(batteryPercent, charging, mode) before classify().
    override fun close() = model.close()
${assets ? `
    private companion object {
        // The native model reads a file: copy the assets to app storage once.
        fun asset(context: android.content.Context, name: String): java.io.File {
            val file = java.io.File(context.filesDir, name)
            if (!file.exists()) context.assets.open(name).use { input -> file.outputStream().use { input.copyTo(it) } }
            return file
        }
    }
` : ''}}
`
    : `/** The model under the Mobiprox adaptation engine: one classify() per input window. */
final class MobiproxClassifier implements AutoCloseable {
    private final MobiproxModel model;
    private final MobiproxAdaptation adaptation = new MobiproxAdaptation();

${assets ? `    MobiproxClassifier(android.content.Context context) throws java.io.IOException {
        model = new MobiproxModel(asset(context, "${modelAsset}").getPath(),
                new String(java.nio.file.Files.readAllBytes(asset(context, "${configsAsset}").toPath()), java.nio.charset.StandardCharsets.UTF_8), 0);
    }
` : `    MobiproxClassifier(String modelPath, String configurationsText) {
        model = new MobiproxModel(modelPath, configurationsText, 0);
    }
`}
    int classify(float[] window) {
        model.setConfiguration(adaptation.index());
        float[] output = model.infer(window);
        adaptation.observe(output); // picks the configuration of the next inference
        return MobiproxAdaptation.argmax(output);
    }

    // With context rules: adaptation.setContext(batteryPercent, charging, mode) before classify().
    @Override
    public void close() {
        model.close();
    }
${assets ? `
    // The native model reads a file: copy the assets to app storage once.
    private static java.io.File asset(android.content.Context context, String name) throws java.io.IOException {
        java.io.File file = new java.io.File(context.getFilesDir(), name);
        if (!file.exists()) {
            try (java.io.InputStream input = context.getAssets().open(name)) {
                java.nio.file.Files.copy(input, file.toPath());
            }
        }
        return file;
    }
` : ''}}
`;
}
