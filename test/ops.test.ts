/**
 * Every op the runtime executes, on single-op (or few-op) ONNX graphs generated for the purpose, against
 * onnxruntime: within 1e-4·max(1, max|ref|), for a batch of 3 samples run one at a time on one thread and
 * all at once (and in a 2 + 1 split) on two threads.
 */
import { strict as assert } from 'node:assert';
import { assertClose } from './support/compare';
import { EngineCase, requireRuntime } from './support/engine';
import { Attr, OnnxBuilder, float, tensorProto } from './support/onnxBuilder';
import { Random } from './support/random';
import { runReference } from './support/reference';

const TOLERANCE = 1e-4;
const SAMPLES = 3;
const RUNS: { batch: number; threads: number }[] = [
  { batch: 1, threads: 1 },
  { batch: 3, threads: 2 },
  { batch: 2, threads: 2 },
];

/** What a case's graph-building function gets: the builder, the input value and helpers for constants. */
class Graph {
  private k = 0;

  constructor(
    readonly b: OnnxBuilder,
    readonly x: string,
    readonly r: Random,
  ) {}

  /** A random float initializer. */
  w(dims: number[], scale = 0.5): string {
    return this.b.constant(`w${this.k++}`, dims, this.r.normals(dims.reduce((a, c) => a * c, 1), scale));
  }

  /** A float initializer with given values. */
  f(dims: number[], values: number[]): string {
    return this.b.constant(`f${this.k++}`, dims, values);
  }

  i64(values: number[], dims: number[] = [values.length]): string {
    return this.b.constant(`i${this.k++}`, dims, values, 'int64');
  }

  op(op: string, inputs: string[], attrs: Record<string, Attr> = {}): string {
    return this.b.node(op, inputs, attrs)[0];
  }
}

interface OpCase {
  name: string;
  /** Per-sample input dims. */
  input: number[];
  opset?: number;
  /** Input values, default standard normal. */
  values?: 'normal' | 'positive';
  build(g: Graph): string;
}

const conv = (g: Graph, c: number, m: number, k: number[], attrs: Record<string, Attr> = {}, bias = true, group = 1): string => {
  const inputs = [g.x, g.w([m, c / group, ...k])];
  if (bias) inputs.push(g.w([m], 0.2));
  return g.op('Conv', inputs, { ...attrs, ...(group > 1 ? { group } : {}) });
};

const CASES: Record<string, OpCase[]> = {
  Conv: [
    { name: '2-D 3×3, bias', input: [3, 6, 7], build: (g) => conv(g, 3, 4, [3, 3], { kernel_shape: [3, 3] }) },
    { name: '2-D stride 2, asymmetric pads, no bias', input: [3, 7, 8], build: (g) => conv(g, 3, 4, [3, 3], { strides: [2, 2], pads: [0, 1, 2, 1] }, false) },
    { name: '2-D strides (2, 1), dilations (2, 3), pads', input: [2, 9, 10], build: (g) => conv(g, 2, 3, [3, 3], { strides: [2, 1], dilations: [2, 3], pads: [2, 1, 0, 3] }) },
    { name: '2 groups', input: [4, 6, 6], build: (g) => conv(g, 4, 6, [3, 3], { pads: [1, 1, 1, 1] }, true, 2) },
    { name: 'depthwise, stride 2', input: [4, 7, 7], build: (g) => conv(g, 4, 4, [3, 3], { strides: [2, 2], pads: [1, 1, 1, 1] }, true, 4) },
    { name: 'depthwise with multiplier 2', input: [3, 5, 6], build: (g) => conv(g, 3, 6, [3, 3], {}, true, 3) },
    { name: 'auto_pad SAME_UPPER, stride 2', input: [2, 7, 8], build: (g) => conv(g, 2, 3, [3, 3], { auto_pad: 'SAME_UPPER', strides: [2, 2] }) },
    { name: 'auto_pad SAME_LOWER, even kernel, stride 2', input: [2, 7, 8], build: (g) => conv(g, 2, 3, [4, 4], { auto_pad: 'SAME_LOWER', strides: [2, 2] }) },
    { name: 'auto_pad SAME_UPPER, even kernel', input: [2, 6, 5], build: (g) => conv(g, 2, 3, [2, 4], { auto_pad: 'SAME_UPPER' }) },
    { name: 'auto_pad VALID, stride 2', input: [2, 8, 9], build: (g) => conv(g, 2, 3, [3, 3], { auto_pad: 'VALID', strides: [2, 2] }) },
    { name: 'pads larger than the kernel', input: [2, 4, 4], build: (g) => conv(g, 2, 3, [2, 2], { pads: [3, 1, 2, 3] }) },
    { name: 'stride larger than the kernel', input: [2, 9, 10], build: (g) => conv(g, 2, 3, [2, 2], { strides: [3, 4] }) },
    { name: '1×1 pointwise', input: [5, 4, 4], build: (g) => conv(g, 5, 7, [1, 1]) },
    { name: 'kernel as large as the input', input: [2, 5, 5], build: (g) => conv(g, 2, 3, [5, 5]) },
    { name: 'non-square kernel 1×3 and 3×1', input: [2, 6, 6], build: (g) => {
      const a = g.op('Conv', [g.x, g.w([3, 2, 1, 3])], { pads: [0, 1, 0, 1] });
      return g.op('Conv', [a, g.w([2, 3, 3, 1]), g.w([2])], { pads: [1, 0, 1, 0] });
    } },
    { name: '1-D, stride 2, pads 1/3, bias', input: [3, 20], build: (g) => conv(g, 3, 4, [5], { strides: [2], pads: [1, 3] }) },
    { name: '1-D depthwise, dilation 2, pads 2/1', input: [3, 15], build: (g) => conv(g, 3, 3, [3], { dilations: [2], pads: [2, 1] }, true, 3) },
    { name: '1-D, SAME_UPPER, stride 3', input: [2, 16], build: (g) => conv(g, 2, 3, [4], { strides: [3], auto_pad: 'SAME_UPPER' }) },
    { name: '1-D, no bias, VALID', input: [2, 11], build: (g) => conv(g, 2, 4, [4], { auto_pad: 'VALID' }, false) },
    { name: 'with fused Relu', input: [3, 6, 6], build: (g) => g.op('Relu', [conv(g, 3, 4, [3, 3])]) },
    { name: 'with fused Clip (opset 13 inputs)', input: [3, 6, 6], build: (g) => g.op('Clip', [conv(g, 3, 4, [3, 3]), g.f([], [-0.5]), g.f([], [0.7])]) },
    { name: 'with fused Clip (opset 9 attributes, relu6)', input: [3, 6, 6], opset: 9, build: (g) => g.op('Clip', [conv(g, 3, 4, [3, 3])], { min: 0, max: 0.6 }) },
    { name: 'with fused LeakyRelu', input: [3, 6, 6], build: (g) => g.op('LeakyRelu', [conv(g, 3, 4, [3, 3])], { alpha: 0.15 }) },
    { name: 'then BatchNormalization (folded)', input: [3, 6, 6], build: (g) => batchNorm(g, conv(g, 3, 4, [3, 3], { pads: [1, 1, 1, 1] }), 4) },
    { name: 'without bias, then BatchNormalization and Relu', input: [3, 6, 6], build: (g) => g.op('Relu', [batchNorm(g, conv(g, 3, 4, [3, 3], {}, false), 4)]) },
    { name: 'whose output feeds two consumers', input: [2, 5, 5], build: (g) => {
      const c = conv(g, 2, 3, [3, 3], { pads: [1, 1, 1, 1] });
      return g.op('Add', [g.op('Relu', [c]), c]);
    } },
  ],
  'Gemm and MatMul': [
    { name: 'Gemm transB 1, bias', input: [6], build: (g) => g.op('Gemm', [g.x, g.w([4, 6]), g.w([4])], { transB: 1 }) },
    { name: 'Gemm transB 0, bias', input: [6], build: (g) => g.op('Gemm', [g.x, g.w([6, 4]), g.w([4])]) },
    { name: 'Gemm alpha 0.5, beta 2, bias [1, P]', input: [5], build: (g) => g.op('Gemm', [g.x, g.w([3, 5]), g.w([1, 3])], { transB: 1, alpha: 0.5, beta: 2 }) },
    { name: 'Gemm without bias', input: [5], build: (g) => g.op('Gemm', [g.x, g.w([5, 3])]) },
    { name: 'Gemm with scalar bias', input: [5], build: (g) => g.op('Gemm', [g.x, g.w([5, 3]), g.f([], [0.25])]) },
    { name: 'Flatten then Gemm then Relu', input: [2, 3, 3], build: (g) => g.op('Relu', [g.op('Gemm', [g.op('Flatten', [g.x]), g.w([5, 18]), g.w([5])], { transB: 1 })]) },
    { name: 'MatMul by a constant', input: [5], build: (g) => g.op('MatMul', [g.x, g.w([5, 3])]) },
    { name: 'MatMul of a 3-D activation by a constant, then Add (dense)', input: [4, 5], build: (g) => g.op('Add', [g.op('MatMul', [g.x, g.w([5, 3])]), g.w([3])]) },
    { name: 'MatMul by a 3-D constant (broadcast leading axes)', input: [2, 4, 5], build: (g) => g.op('MatMul', [g.x, g.w([2, 5, 3])]) },
    { name: 'MatMul of two activations', input: [3, 4], build: (g) => g.op('MatMul', [g.x, g.op('Transpose', [g.x], { perm: [0, 2, 1] })]) },
    { name: 'MatMul of two activations, broadcast leading axes', input: [2, 3, 4], build: (g) => {
      const first = g.op('Slice', [g.x, g.i64([0]), g.i64([1]), g.i64([1])]);
      return g.op('MatMul', [g.x, g.op('Transpose', [first], { perm: [0, 1, 3, 2] })]);
    } },
  ],
  'Add, Sub, Mul, Div': [
    { name: 'Add a scalar', input: [4, 3, 5], build: (g) => g.op('Add', [g.x, g.f([], [0.75])]) },
    { name: 'Add per channel [C, 1, 1]', input: [4, 3, 5], build: (g) => g.op('Add', [g.x, g.w([4, 1, 1])]) },
    { name: 'Add a rank-lower constant [W]', input: [4, 3, 5], build: (g) => g.op('Add', [g.x, g.w([5])]) },
    { name: 'Add a constant [H, 1]', input: [4, 3, 5], build: (g) => g.op('Add', [g.x, g.w([3, 1])]) },
    { name: 'Add a full-rank constant with batch axis 1', input: [4, 3, 5], build: (g) => g.op('Add', [g.x, g.w([1, 4, 1, 5])]) },
    { name: 'Add a constant of the full per-sample shape', input: [4, 3, 5], build: (g) => g.op('Add', [g.w([4, 3, 5]), g.x]) },
    { name: 'Sub constant − activation', input: [4, 3, 5], build: (g) => g.op('Sub', [g.w([3, 5]), g.x]) },
    { name: 'Sub activation − per-channel constant', input: [4, 3, 5], build: (g) => g.op('Sub', [g.x, g.w([4, 1, 1])]) },
    { name: 'Mul by a per-channel constant', input: [4, 3, 5], build: (g) => g.op('Mul', [g.x, g.w([4, 1, 1])]) },
    { name: 'Mul by a scalar', input: [4, 3, 5], build: (g) => g.op('Mul', [g.f([], [-1.5]), g.x]) },
    { name: 'Div by a constant', input: [4, 3, 5], build: (g) => g.op('Div', [g.x, g.f([5], [0.5, -2, 3, 1.25, -0.8])]) },
    { name: 'Div a constant by an activation', input: [4, 3, 5], build: (g) => g.op('Div', [g.w([5]), g.op('Add', [g.op('Mul', [g.x, g.x]), g.f([], [1])])]) },
    { name: 'Mul of two activations (swish)', input: [4, 3, 5], build: (g) => g.op('Mul', [g.x, g.op('Sigmoid', [g.x])]) },
    { name: 'Sub of two activations', input: [4, 3, 5], build: (g) => g.op('Sub', [g.x, g.op('Tanh', [g.x])]) },
    { name: 'Div of two activations', input: [4, 3, 5], values: 'positive', build: (g) => g.op('Div', [g.op('Tanh', [g.x]), g.x]) },
    { name: 'residual Add of two activations', input: [3, 4, 4], build: (g) => g.op('Add', [g.x, g.op('Relu', [conv(g, 3, 3, [3, 3], { pads: [1, 1, 1, 1] })])]) },
    { name: 'Mul of activations broadcast [N, C, 1, 1] × [N, C, H, W]', input: [3, 4, 5], build: (g) => g.op('Mul', [g.op('Sigmoid', [g.op('GlobalAveragePool', [g.x])]), g.x]) },
    { name: 'Add of activations broadcast [N, C, H, 1] + [N, 1, 1, W]', input: [3, 4, 5], build: (g) => {
      const col = g.op('AveragePool', [g.x], { kernel_shape: [1, 5] });
      return g.op('Add', [col, g.op('Slice', [g.x, g.i64([0, 0]), g.i64([1, 1]), g.i64([1, 2])])]);
    } },
  ],
  BatchNormalization: [
    { name: 'standalone on [N, C, L]', input: [4, 6], build: (g) => batchNorm(g, g.x, 4) },
    { name: 'standalone on [N, C, H, W] after Relu', input: [3, 4, 5], build: (g) => batchNorm(g, g.op('Relu', [g.x]), 3) },
    { name: 'standalone on [N, C]', input: [5], build: (g) => batchNorm(g, g.x, 5) },
    { name: 'opset 9, epsilon 0.01', input: [3, 4, 4], opset: 9, build: (g) => batchNorm(g, g.x, 3, 0.01) },
  ],
  activations: [
    { name: 'Relu', input: [4, 5], build: (g) => g.op('Relu', [g.x]) },
    { name: 'Clip, opset 9 attributes', input: [4, 5], opset: 9, build: (g) => g.op('Clip', [g.x], { min: -0.3, max: 0.4 }) },
    { name: 'Clip, opset 13 min and max inputs', input: [4, 5], build: (g) => g.op('Clip', [g.x, g.f([], [-0.3]), g.f([], [0.4])]) },
    { name: 'Clip, opset 13 max only', input: [4, 5], build: (g) => g.op('Clip', [g.x, '', g.f([], [0.2])]) },
    { name: 'Clip, opset 11 min only', input: [4, 5], opset: 11, build: (g) => g.op('Clip', [g.x, g.f([], [-0.1])]) },
    { name: 'Clip without bounds', input: [4, 5], build: (g) => g.op('Clip', [g.x]) },
    { name: 'LeakyRelu alpha 0.2', input: [4, 5], build: (g) => g.op('LeakyRelu', [g.x], { alpha: 0.2 }) },
    { name: 'LeakyRelu default alpha', input: [4, 5], build: (g) => g.op('LeakyRelu', [g.x]) },
    { name: 'Sigmoid', input: [4, 5], build: (g) => g.op('Sigmoid', [g.op('Mul', [g.x, g.f([], [8])])]) },
    { name: 'Tanh', input: [4, 5], build: (g) => g.op('Tanh', [g.op('Mul', [g.x, g.f([], [4])])]) },
    { name: 'Gemm then Tanh', input: [6], build: (g) => g.op('Tanh', [g.op('Gemm', [g.x, g.w([4, 6]), g.w([4])], { transB: 1 })]) },
  ],
  pooling: [
    { name: 'MaxPool 3×3 stride 2', input: [3, 9, 10], build: (g) => g.op('MaxPool', [g.x], { kernel_shape: [3, 3], strides: [2, 2] }) },
    { name: 'MaxPool asymmetric pads', input: [3, 9, 10], build: (g) => g.op('MaxPool', [g.x], { kernel_shape: [3, 3], pads: [1, 0, 1, 2] }) },
    { name: 'MaxPool pads on negative values (padding is never the max)', input: [2, 5, 5], build: (g) => g.op('MaxPool', [g.op('Sub', [g.op('Relu', [g.x]), g.f([], [5])])], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2] }) },
    { name: 'MaxPool stride larger than the kernel', input: [2, 9, 10], build: (g) => g.op('MaxPool', [g.x], { kernel_shape: [2, 2], strides: [3, 4] }) },
    { name: 'MaxPool dilations 2', input: [2, 9, 9], build: (g) => g.op('MaxPool', [g.x], { kernel_shape: [2, 3], dilations: [2, 2] }) },
    { name: 'MaxPool ceil_mode', input: [2, 10, 9], build: (g) => g.op('MaxPool', [g.x], { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 }) },
    { name: 'MaxPool auto_pad SAME_UPPER', input: [2, 7, 8], build: (g) => g.op('MaxPool', [g.x], { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'SAME_UPPER' }) },
    { name: 'MaxPool 1-D kernel 2 stride 2 (windows tile the signal: planes join into one row)', input: [6, 32], build: (g) => g.op('MaxPool', [g.x], { kernel_shape: [2], strides: [2] }) },
    { name: 'MaxPool 1-D kernel 2 stride 2, odd length (the last element is left out)', input: [5, 33], build: (g) => g.op('MaxPool', [g.x], { kernel_shape: [2], strides: [2] }) },
    { name: 'MaxPool [C, L, 1] kernel [2, 1] (a 1-D pool as har-cnn gives it)', input: [7, 20, 1], build: (g) => g.op('MaxPool', [g.x], { kernel_shape: [2, 1], strides: [2, 1] }) },
    { name: 'MaxPool 3×3 stride 1 pads 1 (interior and border)', input: [3, 11, 13], build: (g) => g.op('MaxPool', [g.x], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }) },
    { name: 'MaxPool 4×4 stride 4 (windows tile the plane)', input: [2, 12, 16], build: (g) => g.op('MaxPool', [g.x], { kernel_shape: [4, 4], strides: [4, 4] }) },
    { name: 'AveragePool 2×2 stride 2 (windows tile the plane: rows become planes)', input: [4, 8, 10], build: (g) => g.op('AveragePool', [g.x], { kernel_shape: [2, 2], strides: [2, 2] }) },
    { name: 'AveragePool 3×3 stride 2 dilations 2 pads 2', input: [2, 13, 12], opset: 19, build: (g) => g.op('AveragePool', [g.x], { kernel_shape: [3, 3], strides: [2, 2], dilations: [2, 2], pads: [2, 2, 2, 2] }) },
    { name: 'MaxPool 1-D', input: [3, 17], build: (g) => g.op('MaxPool', [g.x], { kernel_shape: [3], strides: [2], pads: [1, 1] }) },
    { name: 'AveragePool, pads, count_include_pad 0', input: [3, 9, 10], build: (g) => g.op('AveragePool', [g.x], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }) },
    { name: 'AveragePool, pads, count_include_pad 1', input: [3, 9, 10], build: (g) => g.op('AveragePool', [g.x], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 0, 2, 1], count_include_pad: 1 }) },
    { name: 'AveragePool ceil_mode, count_include_pad 0', input: [2, 10, 9], build: (g) => g.op('AveragePool', [g.x], { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 }) },
    { name: 'AveragePool ceil_mode with pads, count_include_pad 0', input: [2, 10, 9], build: (g) => g.op('AveragePool', [g.x], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 }) },
    { name: 'AveragePool ceil_mode, count_include_pad 1, no pads', input: [2, 10, 9], build: (g) => g.op('AveragePool', [g.x], { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1, count_include_pad: 1 }) },
    { name: 'AveragePool dilations 2 (opset 19)', input: [2, 9, 9], opset: 19, build: (g) => g.op('AveragePool', [g.x], { kernel_shape: [2, 2], dilations: [2, 2] }) },
    { name: 'AveragePool 1-D', input: [3, 16], build: (g) => g.op('AveragePool', [g.x], { kernel_shape: [4], strides: [3] }) },
    { name: 'GlobalAveragePool', input: [4, 5, 6], build: (g) => g.op('GlobalAveragePool', [g.x]) },
    { name: 'GlobalAveragePool of [N, C, L]', input: [4, 7], build: (g) => g.op('GlobalAveragePool', [g.x]) },
    { name: 'GlobalMaxPool', input: [4, 5, 6], build: (g) => g.op('GlobalMaxPool', [g.x]) },
    { name: 'Conv, Relu, MaxPool (one layer)', input: [2, 8, 8], build: (g) => g.op('MaxPool', [g.op('Relu', [conv(g, 2, 3, [3, 3])])], { kernel_shape: [2, 2], strides: [2, 2] }) },
  ],
  'data movement': [
    { name: 'Flatten', input: [3, 4, 5], build: (g) => g.op('Flatten', [g.x]) },
    { name: 'Flatten axis 1 of [N, C]', input: [6], build: (g) => g.op('Flatten', [g.x], { axis: 1 }) },
    { name: 'Reshape with 0 and -1', input: [4, 3, 5], build: (g) => g.op('Reshape', [g.x, g.i64([0, -1, 3])]) },
    { name: 'Reshape with 0, 0, -1', input: [4, 3, 5], build: (g) => g.op('Reshape', [g.x, g.i64([0, 0, -1])]) },
    { name: 'Reshape to more axes', input: [4, 3, 5], build: (g) => g.op('Reshape', [g.op('Relu', [g.x]), g.i64([0, 5, -1, 2])]) },
    { name: 'Transpose (0, 2, 3, 1)', input: [3, 4, 5], build: (g) => g.op('Transpose', [g.x], { perm: [0, 2, 3, 1] }) },
    { name: 'Transpose (0, 3, 1, 2)', input: [3, 4, 5], build: (g) => g.op('Transpose', [g.x], { perm: [0, 3, 1, 2] }) },
    { name: 'Transpose (0, 2, 1) then Conv', input: [10, 3], build: (g) => {
      const t = g.op('Transpose', [g.x], { perm: [0, 2, 1] });
      return g.op('Conv', [t, g.w([4, 3, 3]), g.w([4])], {});
    } },
    { name: 'Transpose of a 5-D tensor', input: [2, 3, 2, 4], build: (g) => g.op('Transpose', [g.x], { perm: [0, 4, 2, 1, 3] }) },
    { name: 'Concat axis 1', input: [3, 4, 5], build: (g) => g.op('Concat', [g.x, g.op('Relu', [g.x])], { axis: 1 }) },
    { name: 'Concat axis 2', input: [3, 4, 5], build: (g) => g.op('Concat', [g.op('Tanh', [g.x]), g.x], { axis: 2 }) },
    { name: 'Concat axis -1, three inputs', input: [3, 4, 5], build: (g) => g.op('Concat', [g.x, g.op('Relu', [g.x]), g.op('Tanh', [g.x])], { axis: -1 }) },
    { name: 'Concat of different widths', input: [3, 8], build: (g) => {
      const a = g.op('Slice', [g.x, g.i64([0]), g.i64([3]), g.i64([2])]);
      return g.op('Concat', [a, g.x], { axis: 2 });
    } },
    { name: 'Pad (opset 13): pads from an input, value 0.5', input: [3, 4, 5], build: (g) => g.op('Pad', [g.x, g.i64([0, 0, 1, 2, 0, 0, 2, 0]), g.f([], [0.5])]) },
    { name: 'Pad (opset 13): channels too, default value', input: [3, 4, 5], build: (g) => g.op('Pad', [g.x, g.i64([0, 1, 0, 1, 0, 2, 1, 0])]) },
    { name: 'Pad (opset 9): attributes, value -1.5', input: [3, 6], opset: 9, build: (g) => g.op('Pad', [g.x], { pads: [0, 0, 2, 0, 1, 3], value: -1.5 }) },
    { name: 'Slice: negative starts and ends', input: [4, 6, 7], build: (g) => g.op('Slice', [g.x, g.i64([-3, 1]), g.i64([-1, 100]), g.i64([2, 3])]) },
    { name: 'Slice: step 2 and 3', input: [4, 6, 7], build: (g) => g.op('Slice', [g.x, g.i64([1, 0]), g.i64([6, 7]), g.i64([2, 3]), g.i64([2, 3])]) },
    { name: 'Slice: negative step (reverse)', input: [4, 6, 7], build: (g) => g.op('Slice', [g.x, g.i64([-1]), g.i64([-(2 ** 53)]), g.i64([3]), g.i64([-1])]) },
    { name: 'Slice: negative step 2 from inside', input: [4, 6, 7], build: (g) => g.op('Slice', [g.x, g.i64([5, 3]), g.i64([0, 0]), g.i64([2, 1]), g.i64([-2, -1])]) },
    { name: 'Slice: axes subset with a negative axis', input: [4, 6, 7], build: (g) => g.op('Slice', [g.x, g.i64([1]), g.i64([3]), g.i64([-3])]) },
    { name: 'Slice (opset 9 attributes)', input: [4, 6, 7], opset: 9, build: (g) => g.op('Slice', [g.x], { starts: [1, 2], ends: [3, 1000], axes: [1, 3] }) },
    { name: 'Squeeze (opset 11 attribute)', input: [4, 1, 5], opset: 11, build: (g) => g.op('Squeeze', [g.x], { axes: [2] }) },
    { name: 'Squeeze (opset 13 input, negative axis)', input: [4, 5, 1], build: (g) => g.op('Squeeze', [g.x, g.i64([-1])]) },
    { name: 'Unsqueeze (opset 11 attribute)', input: [4, 5], opset: 11, build: (g) => g.op('Unsqueeze', [g.x], { axes: [2] }) },
    { name: 'Unsqueeze (opset 13 input), Conv, Squeeze', input: [3, 12], build: (g) => {
      const u = g.op('Unsqueeze', [g.x, g.i64([2])]);
      const c = g.op('Conv', [u, g.w([4, 3, 1, 3]), g.w([4])], { pads: [0, 1, 0, 1] });
      return g.op('Squeeze', [c, g.i64([2])]);
    } },
    { name: 'Identity and Dropout (opset 13)', input: [4, 5], build: (g) => g.op('Dropout', [g.op('Identity', [g.op('Relu', [g.x])]), g.f([], [0.3])]) },
    { name: 'Dropout (opset 9) with an unused mask output', input: [4, 5], opset: 9, build: (g) => g.b.node('Dropout', [g.op('Tanh', [g.x])], { ratio: 0.5 }, 'drop', 2)[0] },
  ],
  Softmax: [
    { name: 'opset 11, axis 1 (flattens the trailing axes)', input: [4, 3, 5], opset: 11, build: (g) => g.op('Softmax', [g.x], { axis: 1 }) },
    { name: 'opset 11, axis 2', input: [4, 3, 5], opset: 11, build: (g) => g.op('Softmax', [g.x], { axis: 2 }) },
    { name: 'opset 11, default axis', input: [4, 3], opset: 11, build: (g) => g.op('Softmax', [g.x]) },
    { name: 'opset 13, axis 1', input: [4, 3, 5], build: (g) => g.op('Softmax', [g.x], { axis: 1 }) },
    { name: 'opset 13, axis 2', input: [4, 3, 5], build: (g) => g.op('Softmax', [g.x], { axis: 2 }) },
    { name: 'opset 13, default axis -1', input: [4, 3, 5], build: (g) => g.op('Softmax', [g.x]) },
    { name: 'large logits (max-subtracted form)', input: [6], build: (g) => g.op('Softmax', [g.op('Mul', [g.x, g.f([], [60])])], { axis: 1 }) },
    { name: 'after Gemm', input: [8], build: (g) => g.op('Softmax', [g.op('Gemm', [g.x, g.w([5, 8]), g.w([5])], { transB: 1 })], { axis: 1 }) },
  ],
  'shape subgraphs (constant-folded)': [
    { name: 'Shape → Gather → Unsqueeze → Concat → Reshape', input: [4, 3, 5], build: (g) => {
      const shape = g.op('Shape', [g.x]);
      const n = g.op('Gather', [shape, g.b.constant('zero', [], [0], 'int64')], { axis: 0 });
      const target = g.op('Concat', [g.op('Unsqueeze', [n, g.i64([0])]), g.i64([-1])], { axis: 0 });
      return g.op('Reshape', [g.x, target]);
    } },
    { name: 'Shape → Slice → Concat → Reshape', input: [4, 3, 5], build: (g) => {
      const head = g.op('Slice', [g.op('Shape', [g.x]), g.i64([0]), g.i64([2])]);
      return g.op('Reshape', [g.x, g.op('Concat', [head, g.i64([-1])], { axis: 0 })]);
    } },
    { name: 'ConstantOfShape → Concat → Cast → Pad', input: [2, 4, 5], build: (g) => {
      const zeros = g.op('ConstantOfShape', [g.i64([6])], { value: tensorProto('v', [1], [0], 'int64') });
      const pads = g.op('Cast', [g.op('Concat', [zeros, g.i64([1, 2])], { axis: 0 })], { to: 7 });
      return g.op('Pad', [g.x, pads, g.f([], [0.25])]);
    } },
    { name: 'exported-style Pad: ConstantOfShape, Concat, Reshape, Slice reversed, Transpose, Reshape, Cast', input: [2, 4, 5], build: (g) => {
      // What torch.onnx writes for F.pad(x, (1, 2, 0, 1)): pads per axis from the last, reversed into ONNX order.
      const zeros = g.op('ConstantOfShape', [g.i64([4])], { value: tensorProto('v', [1], [0], 'int64') });
      const all = g.op('Concat', [g.i64([1, 2, 0, 1]), zeros], { axis: 0 });
      const pairs = g.op('Reshape', [all, g.i64([-1, 2])]);
      const reversed = g.op('Slice', [pairs, g.i64([-1]), g.i64([-(2 ** 62)]), g.i64([0]), g.i64([-1])]);
      const flat = g.op('Reshape', [g.op('Transpose', [reversed], { perm: [1, 0] }), g.i64([-1])]);
      return g.op('Pad', [g.x, g.op('Cast', [flat], { to: 7 })]);
    } },
    { name: 'Constant node as a Reshape target', input: [4, 3, 5], build: (g) => {
      const target = g.b.node('Constant', [], { value: tensorProto('t', [2], [0, -1], 'int64') })[0];
      return g.op('Reshape', [g.x, target]);
    } },
  ],
};

function batchNorm(g: Graph, x: string, c: number, epsilon?: number): string {
  const scale = g.w([c], 1);
  const bias = g.w([c], 0.3);
  const mean = g.w([c], 0.3);
  const r = g.r;
  const variance = g.f([c], Array.from({ length: c }, () => r.uniform(0.2, 2)));
  return g.op('BatchNormalization', [x, scale, bias, mean, variance], epsilon === undefined ? {} : { epsilon: float(epsilon) });
}

function inputValues(c: OpCase, r: Random): Float32Array {
  const count = SAMPLES * c.input.reduce((a, b) => a * b, 1);
  return c.values === 'positive' ? r.floats(count, 0.25, 2) : r.normals(count);
}

describe('ops against onnxruntime', function () {
  this.timeout(60_000);

  before(function () {
    requireRuntime(this);
  });

  let seed = 1;
  for (const [family, cases] of Object.entries(CASES)) {
    describe(family, () => {
      for (const c of cases) {
        const caseSeed = seed++;
        it(c.name, async () => {
          const r = new Random(caseSeed);
          const b = new OnnxBuilder(c.opset ?? 13);
          const g = new Graph(b, b.input('x', [null, ...c.input]), r);
          b.output(c.build(g));
          const onnx = b.build();
          const x = inputValues(c, r);
          const dims = [SAMPLES, ...c.input];
          const [ref] = await runReference(onnx, x, dims);

          const engine = EngineCase.compile(onnx, 'op');
          try {
            assert.deepEqual(engine.model.outputShapes[0], ref.dims.slice(1), 'per-sample output shape');
            const input = engine.writeInput(x, dims);
            for (const o of RUNS) {
              const run = await engine.run(input, o);
              assert.equal(run.shape[0], SAMPLES);
              assertClose(run.outputs, ref.data, TOLERANCE, `batch ${o.batch}, ${o.threads} thread(s)`);
            }
          } finally {
            engine.dispose();
          }
        });
      }
    });
  }
});
