import { onnx } from 'onnx-proto';
import { MobiproxError } from '../errors';
import { Graph, Node, Tensor, attrInt, attrInts, elementCount, tensor } from './graph';
import { constantInput, integers, reshapeTarget, sliceOperands, squeezeAxes, unsqueezeAxes } from './operands';
import { broadcastIndex, broadcastShapes, normalizeAxis, resolveSliceAxis, sliceTensor, transposeTensor } from './tensorMath';

/**
 * Evaluates one node whose inputs are all constants, as constant folding needs: shape arithmetic and
 * the data movement that exporters wrap around it. Float results are rounded to float32.
 */

/** Folding evaluates shape arithmetic, not data: a larger result means a broken model. */
const MAX_FOLDED = 1 << 26;

type Kernel = (graph: Graph, node: Node, inputs: (Tensor | undefined)[]) => Tensor[];

const DT = onnx.TensorProto.DataType;
const FLOAT_CASTS = new Set<number>([DT.FLOAT, DT.DOUBLE, DT.FLOAT16, DT.BFLOAT16]);

function fail(node: Node, why: string): never {
  throw new MobiproxError(`Cannot evaluate node '${node.name}' (${node.op}): ${why}.`, { node: node.name });
}

function binary(fn: (a: number, b: number, isInt: boolean) => number): Kernel {
  return (_g, node, [a, b]) => {
    if (!a || !b) fail(node, 'an operand is missing');
    const dims = broadcastShapes(a.dims, b.dims) ?? fail(node, `shapes [${a.dims}] and [${b.dims}] do not broadcast`);
    const ia = broadcastIndex(a.dims, dims);
    const ib = broadcastIndex(b.dims, dims);
    const isInt = a.type === 'int';
    const data = new Float64Array(ia.length);
    for (let i = 0; i < data.length; i++) {
      const v = fn(a.data[ia[i]], b.data[ib[i]], isInt);
      data[i] = isInt ? v : Math.fround(v);
    }
    return [{ type: a.type, dims, data }];
  };
}

function reshaped(t: Tensor, dims: number[]): Tensor {
  return { type: t.type, dims, data: t.data };
}

/** ONNX Reshape of a shape `dims` to `target` (0 copies, -1 infers); shared with shape inference. */
export function resolveReshape(dims: readonly number[], target: readonly number[], allowZero: boolean): number[] | undefined {
  const out = target.map((d, i) => (d === 0 && !allowZero ? dims[i] : d));
  const known = out.filter((d) => d !== -1);
  const total = elementCount(dims);
  if (out.length - known.length > 1) return undefined;
  const rest = elementCount(known);
  if (known.length < out.length) {
    if (rest === 0 || total % rest !== 0) return undefined;
    return out.map((d) => (d === -1 ? total / rest : d));
  }
  return rest === total ? out : undefined;
}

const KERNELS: Record<string, Kernel> = {
  Constant: (_g, node) => {
    const a = node.attrs;
    if (a.value !== undefined && typeof a.value === 'object' && !Array.isArray(a.value)) return [a.value];
    if (a.value_float !== undefined) return [tensor('float', [], [Math.fround(a.value_float as number)])];
    if (a.value_floats !== undefined) {
      const v = a.value_floats as number[];
      return [tensor('float', [v.length], v.map(Math.fround))];
    }
    if (a.value_int !== undefined) return [tensor('int', [], [a.value_int as number])];
    if (a.value_ints !== undefined) {
      const v = a.value_ints as number[];
      return [tensor('int', [v.length], v)];
    }
    return fail(node, 'it has no value attribute Mobiprox reads');
  },
  Identity: (_g, _n, [x]) => [x!],
  Dropout: (_g, _n, [x]) => [x!],
  Shape: (_g, node, [x]) => {
    const all = x!.dims;
    const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + all.length : v, 0), all.length);
    const dims = all.slice(clamp(attrInt(node, 'start', 0)), clamp(attrInt(node, 'end', all.length)));
    return [tensor('int', [dims.length], dims)];
  },
  Size: (_g, _n, [x]) => [tensor('int', [], [elementCount(x!.dims)])],
  Cast: (_g, node, [x]) => {
    const to = attrInt(node, 'to');
    if (FLOAT_CASTS.has(to)) return [{ type: 'float', dims: x!.dims, data: x!.data.map(Math.fround) }];
    if (to === DT.BOOL) return [{ type: 'int', dims: x!.dims, data: x!.data.map((v) => (v !== 0 ? 1 : 0)) }];
    return [{ type: 'int', dims: x!.dims, data: x!.data.map(Math.trunc) }];
  },
  ConstantOfShape: (_g, node, [shape]) => {
    const dims = integers(shape!, node, 'shape');
    if (dims.some((d) => !Number.isInteger(d) || d < 0) || elementCount(dims) > MAX_FOLDED) fail(node, `shape [${dims}] is invalid or too large`);
    const value = node.attrs.value as Tensor | undefined;
    const fill = value ? value.data[0] : 0;
    return [{ type: value?.type ?? 'float', dims, data: new Float64Array(elementCount(dims)).fill(fill) }];
  },
  Gather: (_g, node, [data, indices]) => {
    const rank = data!.dims.length;
    const axis = normalizeAxis(attrInt(node, 'axis', 0), rank);
    if (Number.isNaN(axis)) fail(node, 'axis out of range');
    const dim = data!.dims[axis];
    const outer = elementCount(data!.dims.slice(0, axis));
    const inner = elementCount(data!.dims.slice(axis + 1));
    const idx = Array.from(indices!.data, (i) => (i < 0 ? i + dim : i));
    if (idx.some((i) => !(i >= 0 && i < dim))) fail(node, `an index is outside [0, ${dim})`);
    const out = new Float64Array(outer * idx.length * inner);
    let o = 0;
    for (let a = 0; a < outer; a++)
      for (const i of idx) for (let b = 0; b < inner; b++) out[o++] = data!.data[(a * dim + i) * inner + b];
    return [{ type: data!.type, dims: [...data!.dims.slice(0, axis), ...indices!.dims, ...data!.dims.slice(axis + 1)], data: out }];
  },
  Slice: (g, node, [data]) => {
    const { starts, ends, axes, steps } = sliceOperands(g, node);
    const rank = data!.dims.length;
    const spec = data!.dims.map((d) => ({ start: 0, step: 1, count: d }));
    starts.forEach((s, i) => {
      const axis = normalizeAxis(axes ? axes[i] : i, rank);
      if (Number.isNaN(axis)) fail(node, 'an axis is out of range');
      const step = steps ? steps[i] : 1;
      if (step === 0) fail(node, 'a step is 0');
      spec[axis] = resolveSliceAxis(data!.dims[axis], s, ends[i], step);
    });
    return [sliceTensor(data!, spec)];
  },
  Concat: (_g, node, inputs) => {
    const parts = inputs.filter((t): t is Tensor => !!t);
    const rank = parts[0].dims.length;
    const axis = normalizeAxis(attrInt(node, 'axis'), rank);
    if (Number.isNaN(axis)) fail(node, 'axis out of range');
    for (const t of parts) {
      if (t.dims.length !== rank || t.dims.some((d, i) => i !== axis && d !== parts[0].dims[i])) fail(node, `shapes [${parts[0].dims}] and [${t.dims}] differ off axis ${axis}`);
    }
    const outer = elementCount(parts[0].dims.slice(0, axis));
    const dims = [...parts[0].dims];
    dims[axis] = parts.reduce((s, t) => s + t.dims[axis], 0);
    const data = new Float64Array(elementCount(dims));
    let o = 0;
    for (let a = 0; a < outer; a++) {
      for (const t of parts) {
        const block = elementCount(t.dims.slice(axis));
        data.set(t.data.subarray(a * block, (a + 1) * block), o);
        o += block;
      }
    }
    return [{ type: parts[0].type, dims, data }];
  },
  Unsqueeze: (g, node, [x]) => {
    const axes = unsqueezeAxes(g, node);
    const rank = x!.dims.length + axes.length;
    const at = new Set(axes.map((a) => normalizeAxis(a, rank)));
    if (at.size !== axes.length || at.has(NaN)) fail(node, `axes [${axes}] are invalid for rank ${rank}`);
    const dims: number[] = [];
    let k = 0;
    for (let i = 0; i < rank; i++) dims.push(at.has(i) ? 1 : x!.dims[k++]);
    return [reshaped(x!, dims)];
  },
  Squeeze: (g, node, [x]) => {
    const axes = squeezeAxes(g, node);
    const drop = new Set(axes ? axes.map((a) => normalizeAxis(a, x!.dims.length)) : x!.dims.flatMap((d, i) => (d === 1 ? [i] : [])));
    if ([...drop].some((a) => x!.dims[a] !== 1)) fail(node, `axes [${axes}] do not all have size 1 in [${x!.dims}]`);
    return [reshaped(x!, x!.dims.filter((_, i) => !drop.has(i)))];
  },
  Reshape: (g, node, [x]) => {
    const target = integers(tensor('int', [], reshapeTarget(g, node)), node, 'target shape');
    const dims = resolveReshape(x!.dims, target, attrInt(node, 'allowzero', 0) === 1);
    return [reshaped(x!, dims ?? fail(node, `[${x!.dims}] cannot be reshaped to [${target}]`))];
  },
  Flatten: (_g, node, [x]) => {
    const axis = attrInt(node, 'axis', 1);
    const a = axis < 0 ? axis + x!.dims.length : axis;
    return [reshaped(x!, [elementCount(x!.dims.slice(0, a)), elementCount(x!.dims.slice(a))])];
  },
  Transpose: (_g, node, [x]) => {
    const perm = attrInts(node, 'perm', x!.dims.map((_, i) => x!.dims.length - 1 - i));
    if (perm.length !== x!.dims.length || new Set(perm).size !== perm.length || perm.some((p) => !(p >= 0 && p < perm.length))) {
      fail(node, `perm [${perm}] is not a permutation of the ${x!.dims.length} axes`);
    }
    return [transposeTensor(x!, perm)];
  },
  Range: (_g, node, [start, limit, delta]) => {
    const [s, l, d] = [start!.data[0], limit!.data[0], delta!.data[0]];
    if (d === 0 || [s, l, d].some(Number.isNaN)) fail(node, 'its delta is 0 or it depends on the batch size');
    const n = Math.max(Math.ceil((l - s) / d), 0);
    if (n > MAX_FOLDED) fail(node, `it would produce ${n} values`);
    return [tensor(start!.type, [n], Array.from({ length: n }, (_, i) => s + i * d))];
  },
  Add: binary((a, b) => a + b),
  Sub: binary((a, b) => a - b),
  Mul: binary((a, b) => a * b),
  Div: binary((a, b, isInt) => (isInt ? Math.trunc(a / b) : a / b)),
  Neg: (_g, _n, [x]) => [{ ...x!, data: x!.data.map((v) => -v) }],
};

const REQUIRED_INPUTS: Record<string, number> = { Constant: 0, Gather: 2, Range: 3, Add: 2, Sub: 2, Mul: 2, Div: 2 };

/** Op types that constant folding can evaluate. */
export const FOLDABLE_OPS: ReadonlySet<string> = new Set(Object.keys(KERNELS));

/**
 * The outputs of `node` from its constant inputs (by default read from `graph`). Shape of an activation
 * passes a data-less tensor whose dims start with NaN, the symbolic batch size.
 */
export function evaluateNode(
  graph: Graph,
  node: Node,
  inputs = node.inputs.map((v, i) => (v ? constantInput(graph, node, i, `input ${i}`) : undefined)),
): Tensor[] {
  const kernel = KERNELS[node.op] ?? fail(node, 'it is not an operator constant folding evaluates');
  const required = REQUIRED_INPUTS[node.op] ?? 1;
  if (inputs.length < required || inputs.slice(0, required).some((t) => !t)) fail(node, `it needs ${required} inputs`);
  return kernel(graph, node, inputs);
}
