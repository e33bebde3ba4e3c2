import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { CompiledModel, compileModel } from '../src/core/compile';
import { requireShared } from './support/engine';

const SHARED = path.resolve(__dirname, '../../../shared');
const model = (file: string) => path.join(SHARED, 'models', file);

function requireModel(ctx: Mocha.Context, file: string): void {
  requireShared(ctx, path.join('models', file));
}

const slotOps = (m: CompiledModel) => m.layers.map((l) => l.slots.map((s) => s.op).join(' '));
/** Cost-model FLOPs (src/core/DESIGN.md §3) of a conv layer with fused bias and relu, and optionally a pool. */
const convFlops = (cin: number, cout: number, h: number, w: number, k: [number, number], pooledFrom?: number) =>
  cin * cout * h * w * k[0] * k[1] + 2 * cout * h * w + (pooledFrom ?? 0);

describe('compiling the shared models', () => {
  it('har-cnn: three 1-D conv layers with bias, relu and pool fused, then a dense layer', function () {
    requireModel(this, 'har-cnn.onnx');
    const m = compileModel(model('har-cnn.onnx'));
    assert.equal(m.name, 'har-cnn');
    assert.equal(m.inputName, 'inputs:0');
    assert.deepEqual(m.inputShape, [9, 128]);
    assert.deepEqual(m.outputShapes, [[6]]);
    assert.equal(m.endsWithSoftmax, false);
    assert.deepEqual(slotOps(m), ['conv add relu pool_max', 'conv add relu pool_max', 'conv add relu pool_max', 'mul add']);
    assert.deepEqual(m.layers[0].slots.map((s) => s.node), ['conv1d/conv1d', 'conv1d/add', 'conv1d/Relu', 'max_pooling1d/MaxPool']);
    assert.deepEqual(m.layers[3].slots.map((s) => s.node), ['dense/MatMul', 'dense/BiasAdd']);
    // Convolutions keep the length (kernel 2, one column of end padding); each pool halves it.
    const channels = [9, 18, 36, 72];
    const lengths = [128, 64, 32];
    lengths.forEach((len, i) => {
      assert.deepEqual(m.layers[i].outputShape, [channels[i + 1], len / 2, 1]);
      assert.equal(m.layers[i].flops, convFlops(channels[i], channels[i + 1], 1, len, [1, 2], channels[i + 1] * len), `layer ${i + 1}`);
    });
    assert.equal(m.layers[3].flops, 72 * 16 * 6 + 6);
    assert.equal(m.totalFlops, m.layers.reduce((s, l) => s + l.flops, 0));
    // Height 1: no row perforation; columns and sampling apply (9·1·2 = 18 filter elements ≥ 4).
    assert.ok(!m.layers[0].knobs.includes(123) && !m.layers[0].knobs.includes(135));
    assert.ok([121, 122, 125, 131, 151, 231, 239, 261, 269].every((k) => m.layers[0].knobs.includes(k)));
    assert.deepEqual(m.layers[3].knobs, [11, 12]);
  });

  it('resnet20: shortcuts fold to SLICE and PAD, residual adds and relus are layers of their own', function () {
    requireModel(this, 'resnet20_cifar10.onnx');
    const m = compileModel(model('resnet20_cifar10.onnx'));
    assert.deepEqual(m.inputShape, [3, 32, 32]);
    assert.equal(m.layers.length, 1 + 9 * 4 + 2);
    const ops = slotOps(m);
    assert.equal(ops[0], 'conv add relu');
    assert.deepEqual(ops.slice(1, 5), ['conv add relu', 'conv add', 'add', 'relu']);
    assert.deepEqual(ops.slice(-2), ['pool_mean', 'mul add']);
    assert.equal(m.layers[0].flops, convFlops(3, 16, 32, 32, [3, 3]));
    // layer2.0's first convolution has stride 2: 16 → 32 channels at 16×16.
    const l = m.layers.find((x) => x.name === '/layer2/layer2.0/conv1/Conv')!;
    assert.deepEqual(l.outputShape, [32, 16, 16]);
    assert.equal(l.flops, convFlops(16, 32, 16, 16, [3, 3]));
    assert.equal(m.layers[m.layers.length - 1].flops, 64 * 10 + 10);
    assert.equal(m.layers[m.layers.length - 2].flops, 64 * 8 * 8);
    assert.deepEqual(m.layers[0].knobs.length, 2 + 36 + 18 + 1 + 18 + 9);
  });

  it('mnist-8: SAME_UPPER convolutions, fixed batch 1 in its Reshape, and MatMul + Add', function () {
    requireModel(this, 'mnist-8.onnx');
    const m = compileModel(model('mnist-8.onnx'));
    assert.deepEqual(m.inputShape, [1, 28, 28]);
    assert.deepEqual(slotOps(m), ['conv add relu pool_max', 'conv add relu pool_max', 'mul add']);
    assert.deepEqual(m.layers[0].outputShape, [8, 14, 14]);
    assert.equal(m.layers[0].flops, convFlops(1, 8, 28, 28, [5, 5], 8 * 28 * 28));
    assert.deepEqual(m.layers[1].outputShape, [16, 4, 4]);
    assert.equal(m.layers[2].flops, 256 * 10 + 10);
    // A single input channel with a 5×5 kernel has 25 filter elements: every sampling stride applies.
    assert.ok(m.layers[0].knobs.includes(239));
  });
});
