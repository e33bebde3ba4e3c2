import * as assert from 'node:assert/strict';
import { attrInts } from '../src/core/onnx/graph';
import { inferShapes } from '../src/core/onnx/shapeInference';
import { resolvePadding } from '../src/core/onnx/passes/resolvePadding';
import { OnnxBuilder, float } from './support/onnxBuilder';
import { importUntil } from './support/importer';

function single(op: string, inputDims: number[], attrs: Record<string, unknown>, opset = 13, extra: (b: OnnxBuilder) => string[] = () => []) {
  const b = new OnnxBuilder(opset);
  const x = b.input('x', [null, ...inputDims]);
  const [y] = b.node(op, [x, ...extra(b)], attrs as never, 'node');
  b.output(y);
  return b.build();
}

describe('shape inference', () => {
  it('resolves SAME_UPPER and SAME_LOWER into the padding ONNX specifies', () => {
    // Input 8, kernel 3, stride 2: output ceil(8/2) = 4, total padding (4-1)·2 + 3 - 8 = 1.
    const weights = (b: OnnxBuilder) => [b.constant('w', [1, 1, 3, 3], new Array(9).fill(1))];
    for (const [mode, begin, end] of [['SAME_UPPER', 0, 1], ['SAME_LOWER', 1, 0]] as const) {
      const g = importUntil(single('Conv', [1, 8, 8], { auto_pad: mode, strides: [2, 2] }, 13, weights), 'resolvePadding');
      resolvePadding(g);
      assert.deepEqual(attrInts(g.nodes[0], 'pads'), [begin, begin, end, end], mode);
      assert.deepEqual(g.shape('node_out'), [1, 4, 4]);
    }
    const valid = importUntil(single('Conv', [1, 8, 8], { auto_pad: 'VALID' }, 13, weights), 'resolvePadding');
    resolvePadding(valid);
    assert.deepEqual(valid.shape('node_out'), [1, 6, 6]);
  });

  it('turns ceil_mode into extra end padding, dropping a window that would start in the padding', () => {
    // 6 wide, kernel 3, stride 2: floor gives 2 windows, ceil 3; the third needs one more column.
    let g = importUntil(single('MaxPool', [2, 6, 6], { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 }), 'resolvePadding');
    resolvePadding(g);
    assert.deepEqual(g.shape('node_out'), [2, 3, 3]);
    assert.deepEqual(attrInts(g.nodes[0], 'pads'), [0, 0, 1, 1]);
    assert.equal(g.nodes[0].attrs.ceil_mode, undefined);
    // 5 wide, kernel 2, stride 2, pads 1: ceil would give 4 windows but the 4th starts in the end padding
    // (as PyTorch's MaxPool2d(2, 2, padding=1, ceil_mode=True) gives 3).
    g = importUntil(single('MaxPool', [1, 5, 5], { kernel_shape: [2, 2], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 }), 'resolvePadding');
    resolvePadding(g);
    assert.deepEqual(g.shape('node_out'), [1, 3, 3]);
  });

  it('keeps the batch axis symbolic through Reshape and Flatten, and names a node that mixes it', () => {
    const shape = (b: OnnxBuilder, v: number[]) => [b.constant('shape', [v.length], v, 'int64')];
    const g = importUntil(single('Reshape', [4, 6], {}, 13, (b) => shape(b, [0, -1])), 'resolvePadding');
    assert.deepEqual(g.shape('node_out'), [24]);
    assert.throws(() => importUntil(single('Reshape', [4, 6], {}, 13, (b) => shape(b, [-1, 6])), 'resolvePadding'), /'node' \(Reshape\).*mixes the batch axis/);
    assert.throws(() => importUntil(single('Flatten', [3, 4], { axis: 2 }), 'resolvePadding'), /'node' \(Flatten\) flattens the batch axis/);
    const f = importUntil(single('Flatten', [3, 4, 5], { axis: 1 }), 'resolvePadding');
    assert.deepEqual(f.shape('node_out'), [60]);
  });

  it('rejects what the runtime would, naming the node: a Conv bias not of shape [M], more than 2^28 elements per sample', () => {
    const conv = (biasDims: number[]) => single('Conv', [3, 8, 8], {}, 13, (b) =>
      [b.constant('w', [4, 3, 1, 1], new Array(12).fill(0.1)), b.constant('b', biasDims, new Array(biasDims.reduce((a, c) => a * c, 1)).fill(1))]);
    assert.deepEqual(importUntil(conv([4]), 'resolvePadding').shape('node_out'), [4, 8, 8]);
    assert.throws(() => importUntil(conv([4, 1]), 'resolvePadding'), /'node' \(Conv\) has a bias of shape \[4, 1\]; ONNX's Conv takes one per filter, \[4\]/);
    assert.throws(() => importUntil(conv([2]), 'resolvePadding'), /'node' \(Conv\) has a bias of shape \[2\]/);
    assert.throws(() => importUntil(single('Relu', [1, 2 ** 31 - 1], {}), 'resolvePadding'),
      /Input 'x' of .* has samples of shape \[1, 2147483647\], more than 268435456 elements/);
    const pads = (b: OnnxBuilder) => [b.constant('pads', [6], [0, 0, 0, 0, 0, 2 ** 28], 'int64')];
    assert.throws(() => importUntil(single('Pad', [1, 8], {}, 13, pads), 'resolvePadding'),
      /'node' \(Pad\) would produce \[1, 268435464\], more than 268435456 elements per sample/);
  });

  it('rejects ops along the batch axis', () => {
    assert.throws(() => importUntil(single('Transpose', [3, 4], { perm: [1, 0, 2] }), 'resolvePadding'), /'node'.*moves the batch axis/);
    assert.throws(() => importUntil(single('Softmax', [3], { axis: 0 }), 'resolvePadding'), /'node'.*batch axis/);
    assert.throws(() => importUntil(single('Unsqueeze', [3], {}, 11, () => []), 'resolvePadding'), /axes/);
  });

  it('infers broadcasting, MatMul, Gemm, Concat, Pad, Slice and pooling shapes', () => {
    const b = new OnnxBuilder(13);
    const x = b.input('x', [null, 2, 6, 5]);
    const [a] = b.node('Add', [x, b.constant('c', [1, 2, 1, 1], [1, 2])], {}, 'add');
    const [cat] = b.node('Concat', [a, x], { axis: 1 }, 'cat');
    const [pad] = b.node('Pad', [cat, b.constant('p', [8], [0, 0, 1, 0, 0, 0, 2, 3], 'int64')], {}, 'pad');
    const i64 = (n: string, v: number[]) => b.constant(n, [v.length], v, 'int64');
    const [sl] = b.node('Slice', [pad, i64('s', [-1, 1]), i64('e', [-10, 100]), i64('ax', [2, 3]), i64('st', [-2, 3])], {}, 'slice');
    const [gap] = b.node('GlobalAveragePool', [sl], {}, 'gap');
    const [fl] = b.node('Flatten', [gap], {}, 'flatten');
    const [mm] = b.node('MatMul', [fl, b.constant('w', [4, 3], new Array(12).fill(0.5))], {}, 'mm');
    const [gemm] = b.node('Gemm', [mm, b.constant('g', [7, 3], new Array(21).fill(1))], { transB: 1, alpha: float(1) }, 'gemm');
    b.output(gemm);
    const g = importUntil(b.build(), 'resolvePadding');
    inferShapes(g);
    assert.deepEqual(g.shape(a), [2, 6, 5]);
    assert.deepEqual(g.shape(cat), [4, 6, 5]);
    assert.deepEqual(g.shape(pad), [4, 9, 8]);
    // Axis 2: from 8 (the last) down by 2 to index 0 → 8, 6, 4, 2, 0; axis 3: 1, 4, 7.
    assert.deepEqual(g.shape(sl), [4, 5, 3]);
    assert.deepEqual(g.shape(gap), [4, 1, 1]);
    assert.deepEqual(g.shape(mm), [3]);
    assert.deepEqual(g.shape(gemm), [7]);
  });
});
