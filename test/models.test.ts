/**
 * Real exported networks (../shared and the project's own media/ model) run through the whole path —
 * import, compile, native runtime — against onnxruntime on real data, and their accuracies through the CLI.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import { readNpy } from '../src/core/data/npy';
import { assertClose } from './support/compare';
import { CLI, CliResult, cli } from './support/cli';
import { EngineCase, REPO_ROOT, SHARED, requireRuntime, requireShared } from './support/engine';
import { runReference, runReferencePerSample } from './support/reference';

const TOLERANCE = 1e-4;

function float32(file: string): { data: Float32Array; shape: number[] } {
  const a = readNpy(file);
  const data = a.data instanceof Float32Array ? a.data : Float32Array.from(a.data as ArrayLike<number>);
  return { data, shape: a.shape };
}

/** Per channel (axis 1) over the whole set: (x − mean) / population std, as ../shared/README.md says. */
function standardizeChannels(x: Float32Array, shape: number[]): Float32Array {
  const [n, c] = shape;
  const inner = x.length / (n * c);
  const out = new Float32Array(x.length);
  for (let k = 0; k < c; k++) {
    let sum = 0;
    let sq = 0;
    for (let s = 0; s < n; s++) for (let i = 0; i < inner; i++) sum += x[(s * c + k) * inner + i];
    const mean = sum / (n * inner);
    for (let s = 0; s < n; s++) for (let i = 0; i < inner; i++) sq += (x[(s * c + k) * inner + i] - mean) ** 2;
    const std = Math.sqrt(sq / (n * inner));
    for (let s = 0; s < n; s++) for (let i = 0; i < inner; i++) out[(s * c + k) * inner + i] = (x[(s * c + k) * inner + i] - mean) / std;
  }
  return out;
}

/** CIFAR-10 uint8 NHWC → x/255, (x − mean)/std per channel, NCHW. */
function cifarInput(u8: Uint8Array, count: number): Float32Array {
  const mean = [0.485, 0.456, 0.406];
  const std = [0.229, 0.224, 0.225];
  const out = new Float32Array(count * 3 * 32 * 32);
  for (let s = 0; s < count; s++) {
    for (let p = 0; p < 32 * 32; p++) {
      for (let c = 0; c < 3; c++) {
        out[(s * 3 + c) * 1024 + p] = (u8[(s * 1024 + p) * 3 + c] / 255 - mean[c]) / std[c];
      }
    }
  }
  return out;
}

function decodeTensor(file: string): { dims: number[]; data: Float32Array } {
  const t = onnx.TensorProto.decode(fs.readFileSync(file));
  const dims = t.dims.map(Number);
  if (t.rawData && t.rawData.length > 0) {
    const copy = new Uint8Array(t.rawData);
    return { dims, data: new Float32Array(copy.buffer) };
  }
  return { dims, data: Float32Array.from(t.floatData) };
}

/** Compiles `model`, runs it on `x` and compares every output with onnxruntime's. */
async function compareWithReference(
  modelFile: string, x: Float32Array, dims: number[], runOptions: { batch: number; threads: number },
): Promise<void> {
  const bytes = fs.readFileSync(modelFile);
  const engine = EngineCase.compile(bytes, path.basename(modelFile, '.onnx'));
  try {
    const run = await engine.run(engine.writeInput(x, dims), runOptions);
    const [ref] = await runReference(bytes, x, dims);
    const d = assertClose(run.outputs, ref.data, TOLERANCE, `${path.basename(modelFile)} on ${dims[0]} samples`);
    console.log(`      ${path.basename(modelFile)}: max |error| ${d.maxAbs.toExponential(2)}, max |ref| ${d.refMax.toPrecision(3)}`);
  } finally {
    engine.dispose();
  }
}

function accuracyOf(r: CliResult, what: string): number {
  assert.equal(r.code, 0, `${what}: the CLI failed: ${r.stderr}`);
  const record = JSON.parse(r.stdout.trim().split('\n').pop()!) as { accuracy: number; samples: number };
  return record.accuracy;
}

describe('real models against onnxruntime (../shared)', function () {
  this.timeout(300_000);

  before(function () {
    requireShared(this, 'models/har-cnn.onnx', 'datasets/uci-har/test_x.npy');
    requireRuntime(this);
  });

  it('har-cnn matches onnxruntime on 64 standardized UCI-HAR test windows', async () => {
    const { data, shape } = float32(path.join(SHARED, 'datasets/uci-har/test_x.npy'));
    const x = standardizeChannels(data, shape).subarray(0, 64 * 9 * 128);
    // Batches of 5 leave a partial last batch.
    await compareWithReference(path.join(SHARED, 'models/har-cnn.onnx'), x, [64, 9, 128], { batch: 5, threads: 2 });
  });

  it('resnet20 matches onnxruntime on 32 preprocessed CIFAR-10 test images', async () => {
    const u8 = readNpy(path.join(SHARED, 'datasets/cifar10/test_x.npy')).data as Uint8Array;
    const x = cifarInput(u8, 32);
    await compareWithReference(path.join(SHARED, 'models/resnet20_cifar10.onnx'), x, [32, 3, 32, 32], { batch: 8, threads: 2 });
  });

  it('mnist-8 reproduces the model zoo reference outputs and onnxruntime', async () => {
    const modelFile = path.join(SHARED, 'models/mnist-8.onnx');
    const bytes = fs.readFileSync(modelFile);
    const pairs = [0, 1, 2].map((i) => {
      const dir = path.join(SHARED, `models/mnist-8-test-data/test_data_set_${i}`);
      return { input: decodeTensor(path.join(dir, 'input_0.pb')), output: decodeTensor(path.join(dir, 'output_0.pb')) };
    });
    const x = new Float32Array(3 * 784);
    pairs.forEach((p, i) => x.set(p.input.data, i * 784));
    const expected = new Float32Array(30);
    pairs.forEach((p, i) => expected.set(p.output.data, i * 10));
    const engine = EngineCase.compile(bytes, 'mnist-8');
    try {
      for (const batch of [1, 3]) {
        const run = await engine.run(engine.writeInput(x, [3, 1, 28, 28]), { batch, threads: 2 });
        assertClose(run.outputs, expected, TOLERANCE, `mnist-8 vs output_0.pb (batch ${batch})`);
      }
      const ref = await runReferencePerSample(bytes, x, [1, 28, 28], 3);
      const run = await engine.run(engine.writeInput(x, [3, 1, 28, 28]), { batch: 1, threads: 1 });
      assertClose(run.outputs, ref, TOLERANCE, 'mnist-8 vs onnxruntime');
    } finally {
      engine.dispose();
    }
  });

  it('har-cnn reaches 91.14 % ± 0.02 on the whole standardized UCI-HAR test set (CLI)', async () => {
    const r = await cli([
      'run', path.join(SHARED, 'models/har-cnn.onnx'),
      '--input', path.join(SHARED, 'datasets/uci-har/test_x.npy'),
      '--labels', path.join(SHARED, 'datasets/uci-har/test_y.npy'),
      '--standardize', '--threads', '2', '--batch', '32', '--json',
    ]);
    const accuracy = accuracyOf(r, 'har-cnn');
    console.log(`      har-cnn: ${accuracy.toFixed(3)} % on 2947 windows in ${r.seconds.toFixed(1)} s`);
    assert.ok(Math.abs(accuracy - 91.14) <= 0.02, `har-cnn accuracy ${accuracy} %, expected 91.14 ± 0.02`);
  });

  it('resnet20 reaches 81.03 % ± 0.05 on the CIFAR-10 test set (CLI)', async function () {
    requireShared(this, 'models/resnet20_cifar10.onnx', 'datasets/cifar10/test_x.npy');
    const r = await cli([
      'run', path.join(SHARED, 'models/resnet20_cifar10.onnx'),
      '--input', path.join(SHARED, 'datasets/cifar10/test_x.npy'),
      '--labels', path.join(SHARED, 'datasets/cifar10/test_y.npy'),
      '--nhwc', '--scale', '0.00392156862745098', '--mean', '0.485,0.456,0.406', '--std', '0.229,0.224,0.225',
      '--threads', '2', '--batch', '32', '--json',
    ]);
    const accuracy = accuracyOf(r, 'resnet20');
    console.log(`      resnet20: ${accuracy.toFixed(3)} % on 10000 images in ${r.seconds.toFixed(1)} s`);
    assert.ok(Math.abs(accuracy - 81.03) <= 0.05, `resnet20 accuracy ${accuracy} %, expected 81.03 ± 0.05`);
  });
});

describe("the project's default model (media/)", function () {
  this.timeout(120_000);
  const modelFile = path.join(REPO_ROOT, 'media/models/har-mobiprox.onnx');
  const dataFile = path.join(REPO_ROOT, 'media/data/har-test-x.npy');

  before(function () {
    requireRuntime(this);
  });

  it('har-mobiprox matches onnxruntime on every media/ test window', async () => {
    assert.ok(fs.existsSync(modelFile), `${modelFile} is missing`);
    const { data, shape } = float32(dataFile);
    assert.deepEqual(shape.slice(1), [128, 9]);
    await compareWithReference(modelFile, data, shape, { batch: 16, threads: 2 });
  });
});
