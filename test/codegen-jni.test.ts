/**
 * The generated wrapper over the real native runtime: the host JNI library (build/host/libmobiprox_jni.so)
 * loaded from Java runs the project's HAR model exactly as mpxrun does, exact, perforated and int8 (with the
 * scales mpxrun calibrate found: the same values bit for bit); and the
 * bundle's CMakeLists builds libmobiprox.so for the host, which the bundle's own classes then load and run.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AdaptableSet } from '../src/core/adapt/profiledSet';
import { writeBundle } from '../src/core/codegen/bundle';
import { generateSources, writeSources } from '../src/core/codegen/generate';
import { CompiledModel, compileModel } from '../src/core/compile';
import { readNpy } from '../src/core/data/npy';
import { Configuration, exactConfiguration, formatHpvm } from '../src/core/knobs/configuration';
import { CONFIGURATION_SET_FORMAT } from '../src/core/knobs/configurationSet';
import { calibrateModel, runModel } from '../src/core/runtime/mpxrun';
import { quantByLayer } from '../src/core/tuner/int8Calibration';
import { REPO_ROOT, requireRuntime } from './support/engine';
import { javaFiles, run, which } from './support/jvm';
import { requireTools, unavailable } from './support/requirements';

const MODEL = path.join(REPO_ROOT, 'media/models/har-mobiprox.onnx');
const INPUT = path.join(REPO_ROOT, 'media/data/har-test-x.npy');
const JNI_LIBRARY = path.join(REPO_ROOT, 'build/host/libmobiprox_jni.so');
const SAMPLES = 64;
/** Exact, perforated, int8. */
const CONFIGS = [0, 1, 2];

/** Runs every configuration over raw float32 input, one sample per inference, and writes raw float32 outputs. */
const RUNNER = `
import java.io.*;
import java.nio.*;
import java.nio.file.*;

public final class RunAll {
    public static void main(String[] args) throws Exception {
        String library = args[0];
        if (!library.isEmpty()) System.load(library);
        String configs = new String(Files.readAllBytes(Paths.get(args[2])), "UTF-8");
        FloatBuffer in = ByteBuffer.wrap(Files.readAllBytes(Paths.get(args[3]))).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        try (gen.jni.MobiproxModel model = new gen.jni.MobiproxModel(args[1], configs, 1)) {
            int n = in.remaining() / model.inputSize();
            ByteBuffer out = ByteBuffer.allocate(4 * n * model.outputSize() * model.configurationCount()).order(ByteOrder.LITTLE_ENDIAN);
            float[] sample = new float[model.inputSize()];
            for (int k = 0; k < model.configurationCount(); k++) {
                model.setConfiguration(k);
                if (model.getConfiguration() != k) throw new IllegalStateException("configuration " + k + " not set");
                in.rewind();
                for (int s = 0; s < n; s++) {
                    in.get(sample);
                    for (float v : model.infer(sample)) out.putFloat(v);
                }
            }
            Files.write(Paths.get(args[4]), out.array());
            System.out.println(model.configurationCount() + " " + model.configurationName(1));
        }
    }
}
`;

describe('code generation: the wrapper over the JNI runtime, and the bundle\'s native build', function () {
  this.timeout(600_000);
  let dir: string;
  let model: CompiledModel;
  let configsText: string;
  let inputRaw: string;
  let expected: Float32Array[];

  before(async function () {
    requireRuntime(this);
    requireTools(this, 'javac', 'java');
    if (!fs.existsSync(JNI_LIBRARY)) unavailable(this, `${JNI_LIBRARY} is missing (npm run build:native builds it with a JDK).`);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-jni-'));
    model = compileModel(MODEL, { name: 'har-mobiprox' });
    fs.writeFileSync(path.join(dir, 'har.mpxm'), model.mpxm);
    const slots = model.layers.map((l) => l.slots.map((s) => s.op));
    const perforated: Configuration = {
      ...exactConfiguration(slots), name: 'perf',
      // A mean over no predictions is written `nan`: the runtime must read it as the TypeScript side does.
      confidence: [{ mean: 0.9, correct: 0.95, wrong: null }],
      layers: model.layers.map((l) => l.slots.map((s, j) => ({ op: s.op, knob: j === 0 && l.op === 'conv' ? 121 : 11 }))),
    };
    const quant = quantByLayer(await calibrateModel(path.join(dir, 'har.mpxm'), INPUT, { limit: 256 }));
    const int8: Configuration = {
      ...exactConfiguration(slots), name: 'int8',
      layers: model.layers.map((l) => l.slots.map((s, j) => (j === 0 && quant.has(l.index) ? { op: s.op, knob: 311, quant: quant.get(l.index) } : { op: s.op, knob: 11 }))),
    };
    configsText = formatHpvm({ baselineTime: 0, configurations: [exactConfiguration(slots), perforated, int8] });
    fs.writeFileSync(path.join(dir, 'configs.txt'), configsText);
    const x = readNpy(INPUT);
    const per = x.data.length / x.shape[0];
    inputRaw = path.join(dir, 'input.f32');
    fs.writeFileSync(inputRaw, Buffer.from((x.data as Float32Array).slice(0, SAMPLES * per).buffer));
    expected = [];
    for (const k of CONFIGS) {
      const out = path.join(dir, `mpxrun-${k}.npy`);
      await runModel(path.join(dir, 'har.mpxm'), INPUT, { configs: path.join(dir, 'configs.txt'), config: k, limit: SAMPLES, batch: 1, threads: 1, saveOutputs: out });
      expected.push(readNpy(out).data as Float32Array);
    }
    assert.notDeepEqual(expected[0], expected[1], 'the perforated configuration must change the outputs for this test to mean anything');
    assert.notDeepEqual(expected[0], expected[2], 'so must the int8 one');
  });

  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  function compileRunner(src: string, classes: string): void {
    fs.writeFileSync(path.join(src, 'RunAll.java'), RUNNER);
    run('javac', ['-d', classes, ...javaFiles(src)]);
  }

  function check(outputs: string, stdout: string): void {
    assert.equal(stdout.trim(), `${CONFIGS.length} perf`);
    const got = new Float32Array(new Uint8Array(fs.readFileSync(outputs)).buffer);
    const n = expected[0].length;
    assert.equal(got.length, CONFIGS.length * n);
    CONFIGS.forEach((k) => assert.deepEqual(got.subarray(k * n, (k + 1) * n), expected[k], `configuration ${k} differs from mpxrun`));
  }

  it('the generated Java wrapper over build/host/libmobiprox_jni.so gives mpxrun\'s outputs, bit for bit', () => {
    const src = path.join(dir, 'jni-src');
    const classes = path.join(dir, 'jni-classes');
    writeSources(src, generateSources(minimalSet(model), { kind: 'naive' }, { lang: 'java', package: 'gen.jni', source: 's', strategyText: 'naive' }));
    compileRunner(src, classes);
    const outputs = path.join(dir, 'jni.f32');
    const stdout = run('java', [`-Djava.library.path=${path.dirname(JNI_LIBRARY)}`, '-cp', classes, 'RunAll', JNI_LIBRARY,
      path.join(dir, 'har.mpxm'), path.join(dir, 'configs.txt'), inputRaw, outputs]);
    check(outputs, stdout);
  });

  it('the bundle\'s CMakeLists builds libmobiprox.so on the host, and the bundle\'s classes run it like mpxrun', async function () {
    requireTools(this, 'cmake');
    const bundle = path.join(dir, 'bundle');
    const r = await writeBundle(model, minimalSet(model), { kind: 'naive' }, bundle, {
      lang: 'java', package: 'gen.jni', strategyText: 'naive', source: 's', ndk: null,
    });
    for (const f of ['build.gradle', 'src/main/AndroidManifest.xml', 'src/main/cpp/CMakeLists.txt', 'src/main/assets/har-mobiprox.mpxm',
      'src/main/assets/har-mobiprox.configs.txt', 'src/main/java/gen/jni/MobiproxAdaptation.java', 'src/main/java/com/mobiprox/MobiproxRuntime.java', 'README.md']) {
      assert.ok(r.files.includes(f), `${f} is missing from the bundle`);
    }
    assert.deepEqual(r.prebuilt, []);
    assert.ok(fs.readFileSync(path.join(bundle, 'src/main/assets/har-mobiprox.mpxm')).equals(model.mpxm));
    // A host project that includes the bundle's native part, as an app's CMake would.
    const host = path.join(dir, 'host');
    fs.mkdirSync(host);
    fs.writeFileSync(path.join(host, 'CMakeLists.txt'), `cmake_minimum_required(VERSION 3.16)\nproject(host C)\nadd_subdirectory(${JSON.stringify(path.join(bundle, 'src/main/cpp'))} mobiprox)\n`);
    run('cmake', ['-S', host, '-B', path.join(host, 'build'), '-DCMAKE_BUILD_TYPE=Release']);
    run('cmake', ['--build', path.join(host, 'build'), '-j2']);
    const library = path.join(host, 'build/mobiprox/libmobiprox.so');
    assert.ok(fs.existsSync(library), 'libmobiprox.so was not built');

    const classes = path.join(dir, 'bundle-classes');
    compileRunner(path.join(bundle, 'src/main/java'), classes);
    const outputs = path.join(dir, 'bundle.f32');
    // The bundle's binding loads "mobiprox" by name, from java.library.path, as Android does from jniLibs.
    const stdout = run('java', [`-Djava.library.path=${path.dirname(library)}`, '-cp', classes, 'RunAll', '',
      path.join(bundle, 'src/main/assets/har-mobiprox.mpxm'), path.join(dir, 'configs.txt'), inputRaw, outputs]);
    check(outputs, stdout);
  });

  it('with an NDK, prebuilds jniLibs/<abi>/libmobiprox.so for the three ABIs (a stand-in NDK over the cross compilers); a cancelled build leaves the earlier module', async function () {
    const compilers = { 'arm64-v8a': 'aarch64-linux-gnu-gcc', 'armeabi-v7a': 'arm-linux-gnueabihf-gcc', x86_64: 'gcc' };
    requireTools(this, 'cmake', ...Object.values(compilers));
    // What the bundle asks of an NDK is its CMake toolchain file, which reads ANDROID_ABI and sets ANDROID.
    const ndk = path.join(dir, 'fake-ndk');
    const jdk = path.dirname(path.dirname(fs.realpathSync(which('javac')!)));
    fs.mkdirSync(path.join(ndk, 'build/cmake'), { recursive: true });
    fs.writeFileSync(path.join(ndk, 'build/cmake/android.toolchain.cmake'), [
      'set(ANDROID TRUE)', 'set(CMAKE_SYSTEM_NAME Linux)',
      'if(ANDROID_ABI STREQUAL "arm64-v8a")', '  set(CMAKE_SYSTEM_PROCESSOR aarch64)', `  set(CMAKE_C_COMPILER ${compilers['arm64-v8a']})`,
      'elseif(ANDROID_ABI STREQUAL "armeabi-v7a")', '  set(CMAKE_SYSTEM_PROCESSOR armv7-a)', `  set(CMAKE_C_COMPILER ${compilers['armeabi-v7a']})`,
      'else()', '  set(CMAKE_SYSTEM_PROCESSOR x86_64)', '  set(CMAKE_C_COMPILER gcc)', 'endif()',
      `include_directories(SYSTEM ${jdk}/include ${jdk}/include/linux)`, '',
    ].join('\n'));
    const bundle = path.join(dir, 'bundle-ndk');
    const r = await writeBundle(model, minimalSet(model), { kind: 'naive' }, bundle, { lang: 'kotlin', package: 'gen.ndk', strategyText: 'naive', source: 's', ndk });
    assert.deepEqual(r.prebuilt, ['arm64-v8a', 'armeabi-v7a', 'x86_64']);
    const machine: Record<string, number> = { 'arm64-v8a': 183, 'armeabi-v7a': 40, x86_64: 62 }; // ELF e_machine: AArch64, ARM, x86-64
    for (const abi of r.prebuilt) {
      const elf = fs.readFileSync(path.join(bundle, `src/main/jniLibs/${abi}/libmobiprox.so`));
      assert.equal(elf.subarray(0, 4).toString('latin1'), '\x7fELF');
      assert.equal(elf.readUInt16LE(16), 3, `${abi}: not a shared object`);
      assert.equal(elf.readUInt16LE(18), machine[abi], `${abi}: wrong machine`);
      assert.ok(elf.includes('Java_com_mobiprox_MobiproxRuntime_infer'), `${abi}: the JNI functions are missing`);
    }
    assert.match(fs.readFileSync(path.join(bundle, 'README.md'), 'utf8'), /prebuilt `libmobiprox\.so` for arm64-v8a, armeabi-v7a, x86_64/);

    // cancelled during the first NDK build: no staging folder left, the module above untouched
    const before = fs.readFileSync(path.join(bundle, 'src/main/jniLibs/x86_64/libmobiprox.so'));
    const controller = new AbortController();
    const java = { lang: 'java' as const, package: 'gen.cancelled', strategyText: 'naive', source: 's', ndk, signal: controller.signal };
    await assert.rejects(writeBundle(model, minimalSet(model), { kind: 'naive' }, bundle, { ...java, onProgress: () => setTimeout(() => controller.abort(), 300) }), { name: 'AbortError' });
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith('.bundle-ndk')), [], 'the staged module is removed');
    assert.ok(fs.readFileSync(path.join(bundle, 'src/main/jniLibs/x86_64/libmobiprox.so')).equals(before));
    assert.ok(fs.existsSync(path.join(bundle, 'src/main/java/gen/ndk')) && !fs.existsSync(path.join(bundle, 'src/main/java/gen/cancelled')), 'the earlier sources stay');
  });

  it('refuses to replace a folder that is not a bundle', async () => {
    const other = path.join(dir, 'not-a-bundle');
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(other, 'keep.txt'), 'mine');
    await assert.rejects(writeBundle(model, minimalSet(model), { kind: 'naive' }, other, { lang: 'kotlin', package: 'p', strategyText: 't', source: 's', ndk: null }),
      /not-a-bundle exists and is not a Mobiprox bundle/);
    assert.equal(fs.readFileSync(path.join(other, 'keep.txt'), 'utf8'), 'mine');
  });
});

/** The exact configuration only: enough for the wrapper, which does not depend on the strategy. */
function minimalSet(model: CompiledModel): AdaptableSet {
  const exact = exactConfiguration(model.layers.map((l) => l.slots.map((s) => s.op)));
  return {
    format: CONFIGURATION_SET_FORMAT, version: 1, baselineTime: 0,
    model: { name: model.name, sha256: '', inputShape: model.inputShape, layers: exact.layers.map((l) => l.map((s) => s.op)) },
    configurations: [{ ...exact, host: { speedup: 1, accuracy: 0, qosLoss: 0, latencyMsPerSample: 1 } }],
  };
}
