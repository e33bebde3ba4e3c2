import * as assert from 'node:assert/strict';
import { attrInts } from '../src/core/onnx/graph';
import { eliminateIdentity } from '../src/core/onnx/passes/eliminateIdentity';
import { fuseActivation } from '../src/core/onnx/passes/fuseActivation';
import { fuseBatchNorm } from '../src/core/onnx/passes/fuseBatchNorm';
import { fuseBias } from '../src/core/onnx/passes/fuseBias';
import { fuseDense } from '../src/core/onnx/passes/fuseDense';
import { lowerOneDimensional } from '../src/core/onnx/passes/lowerOneDimensional';
import { lowerViews } from '../src/core/onnx/passes/lowerViews';
import { OnnxBuilder, float } from './support/onnxBuilder';
import { importUntil, ops, runPass } from './support/importer';

const values = (g: ReturnType<typeof importUntil>, name: string) => Array.from(g.constant(name)!.data);
const close = (a: number[], b: number[]) => {
  assert.equal(a.length, b.length);
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-5 * Math.max(1, Math.abs(b[i])), `${i}: ${v} vs ${b[i]}`));
};

describe('fusion passes', () => {
  it('eliminateIdentity drops Identity and Dropout and keeps the graph output name', () => {
    const b = new OnnxBuilder(13);
    const x = b.input('x', [null, 4]);
    const [i] = b.node('Identity', [x], {}, 'id');
    const [r] = b.node('Relu', [i], {}, 'relu');
    const [d] = b.node('Dropout', [r], {}, 'drop', ['result']);
    b.output(d);
    const g = importUntil(b.build(), 'eliminateIdentity');
    eliminateIdentity(g);
    assert.deepEqual(ops(g), ['Relu']);
    assert.deepEqual(g.nodes[0].inputs, ['x']);
    assert.deepEqual(g.nodes[0].outputs, ['result']);
    assert.deepEqual(g.outputs, ['result']);
  });

  it('fuseBatchNorm scales a preceding convolution, or becomes a per-channel affine map', () => {
    const b = new OnnxBuilder(9);
    const x = b.input('x', [null, 1, 3, 3]);
    const w = [1, 2, 3, 4, -1, -2, -3, -4];
    const [conv] = b.node('Conv', [x, b.constant('w', [2, 1, 2, 2], w), b.constant('b', [2], [0.5, -0.5])], {}, 'conv');
    const stats = (p: string, v: number[]) => b.constant(p, [2], v);
    const bn = (input: string, name: string) =>
      b.node('BatchNormalization', [input, stats(`${name}s`, [2, 0.5]), stats(`${name}b`, [1, -1]), stats(`${name}m`, [0.25, 3]), stats(`${name}v`, [4, 0.25])], { epsilon: 0.01 }, name)[0];
    const [relu] = b.node('Relu', [bn(conv, 'bn1')], {}, 'relu');
    b.output(bn(relu, 'bn2'));
    const g = importUntil(b.build(), 'fuseBatchNorm');
    fuseBatchNorm(g);
    assert.deepEqual(ops(g), ['Conv', 'Relu', 'mpx.Affine']);
    const s = [2 / Math.sqrt(4.01), 0.5 / Math.sqrt(0.26)];
    close(values(g, g.nodes[0].inputs[1]), w.map((v, i) => v * s[Math.floor(i / 4)]));
    close(values(g, g.nodes[0].inputs[2]), [(0.5 - 0.25) * s[0] + 1, (-0.5 - 3) * s[1] - 1]);
    close(values(g, g.nodes[2].inputs[1]), s);
    close(values(g, g.nodes[2].inputs[2]), [1 - 0.25 * s[0], -1 - 3 * s[1]]);
  });

  /** har-cnn's 1-D convolution: Unsqueeze → Conv(1×k) → Squeeze → Add(bias [1, C, 1]) → Relu. */
  function harConv(bias: number[], biasDims: number[]) {
    const b = new OnnxBuilder(9);
    const x = b.input('x', [null, 2, 5]);
    const [u] = b.node('Unsqueeze', [x], { axes: [2] }, 'expand');
    const [c] = b.node('Conv', [u, b.constant('w', [3, 2, 1, 2], new Array(12).fill(0.1))], { kernel_shape: [1, 2], pads: [0, 0, 0, 1] }, 'conv');
    const [s] = b.node('Squeeze', [c], { axes: [2] }, 'squeeze');
    const [a] = b.node('Add', [s, b.constant('bias', biasDims, bias)], {}, 'bias_add');
    const [r] = b.node('Relu', [a], {}, 'relu');
    b.output(r);
    return b.build();
  }

  it('fuseBias moves a per-channel Add across a Squeeze into the convolution', () => {
    const g = importUntil(harConv([1, 2, 3], [1, 3, 1]), 'fuseBias');
    fuseBias(g);
    assert.deepEqual(ops(g), ['Unsqueeze', 'Conv', 'Squeeze', 'Relu']);
    assert.deepEqual(values(g, g.nodes[1].inputs[2]), [1, 2, 3]);
    assert.equal(g.nodes[1].fused?.bias, 'bias_add');
    fuseActivation(g);
    assert.deepEqual(ops(g), ['Unsqueeze', 'Conv', 'Squeeze']);
    assert.equal(g.nodes[1].attrs.act, 1);
    assert.equal(g.nodes[1].fused?.activation, 'relu');
    assert.deepEqual(g.outputs, [g.nodes[2].outputs[0]]);
    lowerViews(g);
    assert.deepEqual(ops(g), ['mpx.Reshape', 'Conv', 'mpx.Reshape']);
  });

  it('fuseBias leaves an Add whose constant varies along a spatial axis', () => {
    const g = importUntil(harConv(Array.from({ length: 15 }, (_, i) => i), [3, 5]), 'fuseBias');
    fuseBias(g);
    assert.ok(ops(g).includes('Add'));
    assert.equal(g.nodes[1].inputs[2], undefined);
  });

  it('fuseDense turns MatMul + Add into a dense layer with [P, K] weights', () => {
    const b = new OnnxBuilder(9);
    const x = b.input('x', [null, 3]);
    const [m] = b.node('MatMul', [x, b.constant('k', [3, 2], [1, 2, 3, 4, 5, 6])], {}, 'matmul');
    const [a] = b.node('Add', [m, b.constant('bias', [2], [0.5, -0.5])], {}, 'bias_add');
    b.output(a);
    const g = importUntil(b.build(), 'fuseDense');
    fuseDense(g);
    fuseBias(g);
    assert.deepEqual(ops(g), ['mpx.Dense']);
    assert.deepEqual(g.constant(g.nodes[0].inputs[1])!.dims, [2, 3]);
    assert.deepEqual(values(g, g.nodes[0].inputs[1]), [1, 3, 5, 2, 4, 6]);
    assert.deepEqual(values(g, g.nodes[0].inputs[2]), [0.5, -0.5]);
    assert.deepEqual(g.outputs, [g.nodes[0].outputs[0]]);
  });

  it('fuseDense folds Gemm alpha, beta and transB = 0 into the constants', () => {
    const b = new OnnxBuilder(13);
    const x = b.input('x', [null, 2]);
    const [y] = b.node('Gemm', [x, b.constant('B', [2, 2], [1, 2, 3, 4]), b.constant('C', [1, 2], [10, 20])], { alpha: 2, beta: 0.5 }, 'gemm');
    b.output(y);
    const g = importUntil(b.build(), 'fuseDense');
    fuseDense(g);
    assert.deepEqual(values(g, g.nodes[0].inputs[1]), [2, 6, 4, 8]);
    assert.deepEqual(values(g, g.nodes[0].inputs[2]), [5, 10]);
    const t = new OnnxBuilder(13);
    const [z] = t.node('Gemm', [t.input('x', [null, 2]), t.constant('B', [2, 2], [1, 2, 3, 4])], { transA: 1 }, 'gemm_t');
    t.output(z);
    assert.throws(() => importUntil(t.build(), 'fuseDense'), /'gemm_t'.*transA/);
  });

  it('fuseActivation reads Clip bounds from attributes before opset 11 and from inputs after', () => {
    for (const opset of [10, 13]) {
      const b = new OnnxBuilder(opset);
      const x = b.input('x', [null, 1, 4, 4]);
      const [c] = b.node('Conv', [x, b.constant('w', [1, 1, 1, 1], [2])], {}, 'conv');
      const bounds = opset < 11 ? [] : [b.constant('lo', [], [0]), b.constant('hi', [], [6])];
      const [y] = b.node('Clip', [c, ...bounds], opset < 11 ? { min: float(0), max: float(6) } : {}, 'relu6');
      b.output(y);
      const g = importUntil(b.build(), 'fuseActivation');
      fuseActivation(g);
      assert.deepEqual(ops(g), ['Conv']);
      assert.deepEqual([g.nodes[0].attrs.act, g.nodes[0].attrs.act_a, g.nodes[0].attrs.act_b], [2, 0, 6], `opset ${opset}`);
    }
  });

  it('lowerOneDimensional compiles a 1-D convolution as a 2-D one of height 1', () => {
    const b = new OnnxBuilder(13);
    const x = b.input('x', [null, 3, 10]);
    const [y] = b.node('Conv', [x, b.constant('w', [4, 3, 3], new Array(36).fill(1))], { pads: [1, 2], strides: [2] }, 'conv1d');
    b.output(y);
    const g = importUntil(b.build(), 'lowerOneDimensional');
    lowerOneDimensional(g);
    assert.deepEqual(ops(g), ['mpx.Reshape', 'Conv', 'mpx.Reshape']);
    const conv = g.nodes[1];
    assert.deepEqual(g.constant(conv.inputs[1])!.dims, [4, 3, 1, 3]);
    assert.deepEqual(attrInts(conv, 'pads'), [0, 1, 0, 2]);
    assert.deepEqual(attrInts(conv, 'strides'), [1, 2]);
    assert.deepEqual(g.shape(conv.inputs[0]), [3, 1, 10]);
    // (10 + 1 + 2 - 3) / 2 + 1 = 6
    assert.deepEqual(g.shape(conv.outputs[0]), [4, 1, 6]);
    assert.deepEqual(g.nodes[2].outputs, [y]);
    assert.deepEqual(g.shape(y), [4, 6]);
  });
});

describe('activation composition', () => {
  it('fuses Relu followed by Clip(0, 6) into one clip activation', () => {
    const b = new OnnxBuilder(13);
    const x = b.input('x', [null, 1, 4, 4]);
    const [c] = b.node('Conv', [x, b.constant('w', [1, 1, 1, 1], [2])], {}, 'conv');
    const [r] = b.node('Relu', [c], {}, 'relu');
    const [y] = b.node('Clip', [r, b.constant('lo', [], [-1]), b.constant('hi', [], [6])], {}, 'clip');
    b.output(y);
    const g = importUntil(b.build(), 'fuseActivation');
    fuseActivation(g);
    assert.deepEqual(ops(g), ['Conv']);
    assert.deepEqual([g.nodes[0].attrs.act, g.nodes[0].attrs.act_a, g.nodes[0].attrs.act_b], [2, 0, 6]);
    assert.equal(g.nodes[0].fused?.activation, 'clip');
    assert.deepEqual(g.outputs, [y]);
  });

  it('leaves a Clip after a LeakyRelu as its own op', () => {
    const b = new OnnxBuilder(13);
    const x = b.input('x', [null, 1, 4, 4]);
    const [c] = b.node('Conv', [x, b.constant('w', [1, 1, 1, 1], [2])], {}, 'conv');
    const [r] = b.node('LeakyRelu', [c], { alpha: 0.2 }, 'leaky');
    const [y] = b.node('Clip', [r, b.constant('lo', [], [0]), b.constant('hi', [], [6])], {}, 'clip');
    b.output(y);
    const g = importUntil(b.build(), 'fuseActivation');
    fuseActivation(g);
    assert.deepEqual(ops(g), ['Conv', 'Clip']);
    assert.equal(g.nodes[0].attrs.act, 3);
    assert.ok(Math.abs((g.nodes[0].attrs.act_a as number) - 0.2) < 1e-7);
  });
});

describe('identities at the graph boundary', () => {
  it('keeps a copy when an Identity or a no-op Flatten maps the graph input to a graph output', () => {
    for (const op of ['Identity', 'Flatten']) {
      const b = new OnnxBuilder(13);
      const [y] = b.node(op, [b.input('x', [null, 6])], {}, 'copy');
      b.output(y);
      const g = importUntil(b.build(), 'eliminateIdentity');
      for (const pass of ['eliminateIdentity', 'foldConstants', 'lowerViews']) runPass(g, pass);
      assert.deepEqual(ops(g), ['mpx.Reshape'], op);
      assert.deepEqual(g.nodes[0].inputs, ['x']);
      assert.deepEqual(g.outputs, [y]);
    }
  });
});
