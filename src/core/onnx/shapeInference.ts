import { MobiproxError } from '../errors';
import { resolveReshape } from './evaluate';
import { Graph, MAX_SAMPLE_ELEMENTS, Node, Tensor, attrInt, attrInts, elementCount } from './graph';
import { padOperands, reshapeTarget, sliceOperands, squeezeAxes, unsqueezeAxes } from './operands';
import { broadcastShapes, normalizeAxis, resolveSliceAxis } from './tensorMath';
import { resolveWindow } from './windows';

/**
 * Per-sample output shapes of nodes that read activations. The batch axis 0 stays symbolic: an operation
 * that would mix it with other axes, or act along it, is rejected with the node's name.
 */

function fail(node: Node, why: string, value?: unknown): never {
  throw new MobiproxError(`Node '${node.name}' (${node.op}) ${why}.`, { node: node.name, value });
}

/** An axis of the full run-time rank (batch included) that must not be the batch axis. */
export function sampleAxis(node: Node, axis: number, fullRank: number, what = 'axis'): number {
  const a = normalizeAxis(axis, fullRank);
  if (Number.isNaN(a)) fail(node, `has ${what} ${axis} outside a rank-${fullRank} tensor`, axis);
  if (a === 0) fail(node, `acts along the batch axis (${what} ${axis}); Mobiprox keeps samples independent`, axis);
  return a;
}

/** A constant operand aligned to an activation's per-sample rank: leading unit axes dropped, as numpy would
 * broadcast them against the batch axis. */
export function alignConstant(node: Node, t: Tensor, sampleRank: number): number[] {
  let dims = t.dims;
  while (dims.length > sampleRank && dims[0] === 1) dims = dims.slice(1);
  if (dims.length > sampleRank) fail(node, `broadcasts constant [${t.dims}] across the batch axis`);
  return dims;
}

const ELEMENTWISE = new Set(['Add', 'Sub', 'Mul', 'Div']);

/** A constant right operand of MatMul as a matrix [K, P] (leading unit axes dropped), if it is one. */
export function constantMatrix(t: Tensor): number[] | undefined {
  let dims = t.dims;
  while (dims.length > 2 && dims[0] === 1) dims = dims.slice(1);
  return dims.length === 2 ? dims : undefined;
}

type Rule = (graph: Graph, node: Node, x: number[]) => number[][];

const same: Rule = (_g, _n, x) => [x];

function elementwise(graph: Graph, node: Node): number[][] {
  const [a, b] = node.inputs;
  const ca = graph.constant(a);
  const cb = graph.constant(b);
  let out: number[] | undefined;
  if (!ca && !cb) {
    const sa = graph.shape(a, node);
    const sb = graph.shape(b, node);
    if (sa.length !== sb.length) fail(node, `combines activations of ranks ${sa.length + 1} and ${sb.length + 1}, which would broadcast across the batch axis`);
    out = broadcastShapes(sa, sb);
  } else {
    const x = graph.shape(ca ? b : a, node);
    out = broadcastShapes(x, alignConstant(node, (ca ?? cb)!, x.length));
  }
  return [out ?? fail(node, 'has operands whose shapes do not broadcast')];
}

function windowed(node: Node, x: number[], kernel: number[], channels: number): number[][] {
  if (x.length < 2) fail(node, `needs an input with channels and spatial axes, got per-sample shape [${x}]`);
  return [[channels, ...resolveWindow(node, x.slice(1), kernel).output]];
}

const RULES: Record<string, Rule> = {
  Conv: (g, node, x) => {
    const w = g.constant(node.inputs[1]) ?? fail(node, 'has weights that are not constant');
    const group = attrInt(node, 'group', 1);
    if (w.dims.length !== x.length + 1) fail(node, `has weights of rank ${w.dims.length} for an input of rank ${x.length + 1}`);
    if (x[0] !== w.dims[1] * group) fail(node, `expects ${w.dims[1] * group} input channels but gets ${x[0]}`);
    if (w.dims[0] % group !== 0) fail(node, `has ${w.dims[0]} filters, not divisible by group ${group}`);
    if (node.inputs[2]) {
      const b = g.constant(node.inputs[2]) ?? fail(node, 'has a bias that is not constant');
      if (b.dims.length !== 1 || b.dims[0] !== w.dims[0]) fail(node, `has a bias of shape [${b.dims.join(', ')}]; ONNX's Conv takes one per filter, [${w.dims[0]}]`, b.dims);
    }
    return windowed(node, x, attrInts(node, 'kernel_shape', w.dims.slice(2)), w.dims[0]);
  },
  MaxPool: (g, node, x) => {
    if (node.outputs[1] && g.consumers(node.outputs[1]).length > 0) fail(node, 'has its Indices output used, which Mobiprox does not compute');
    return windowed(node, x, attrInts(node, 'kernel_shape'), x[0]);
  },
  AveragePool: (_g, node, x) => windowed(node, x, attrInts(node, 'kernel_shape'), x[0]),
  GlobalAveragePool: (_g, _n, x) => [[x[0], ...x.slice(1).map(() => 1)]],
  GlobalMaxPool: (_g, _n, x) => [[x[0], ...x.slice(1).map(() => 1)]],
  Relu: same,
  Sigmoid: same,
  Tanh: same,
  LeakyRelu: same,
  Clip: same,
  Identity: same,
  Dropout: same,
  BatchNormalization: (g, node, x) => {
    if (x.length < 1) fail(node, 'needs a channel axis');
    if (attrInt(node, 'spatial', 1) !== 1) fail(node, 'normalizes per activation (spatial = 0); Mobiprox folds only per-channel statistics');
    if (attrInt(node, 'training_mode', 0) !== 0) fail(node, 'is in training mode; export the model for inference');
    for (const extra of node.outputs.slice(1)) if (extra && g.consumers(extra).length > 0) fail(node, 'has training outputs in use');
    return [x];
  },
  'mpx.Affine': same,
  Softmax: (g, node, x) => {
    sampleAxis(node, attrInt(node, 'axis', g.opset < 13 ? 1 : -1), x.length + 1);
    return [x];
  },
  Add: elementwise,
  Sub: elementwise,
  Mul: elementwise,
  Div: elementwise,
  MatMul: (g, node, x) => {
    const b = g.constant(node.inputs[1]);
    if (x.length < 1) fail(node, 'has a scalar operand');
    const k = x[x.length - 1];
    const matrix = b && constantMatrix(b);
    if (matrix) {
      if (matrix[0] !== k) fail(node, `multiplies [${x}] by a constant of shape [${b!.dims}]`);
      return [[...x.slice(0, -1), matrix[1]]];
    }
    const y = b ? alignConstant(node, b, x.length) : g.shape(node.inputs[1], node);
    if ((!b && x.length !== y.length) || x.length < 2 || y.length < 2 || y[y.length - 2] !== k) {
      fail(node, `multiplies per-sample shapes [${x}] and [${y}]`);
    }
    const lead = broadcastShapes(x.slice(0, -2), y.slice(0, -2)) ?? fail(node, 'has leading axes that do not broadcast');
    return [[...lead, x[x.length - 2], y[y.length - 1]]];
  },
  Gemm: (g, node, x) => {
    const b = g.constant(node.inputs[1]) ?? fail(node, 'multiplies by a non-constant B; Mobiprox needs constant weights');
    if (attrInt(node, 'transA', 0) !== 0) fail(node, 'has transA = 1, which would transpose the batch axis');
    if (x.length !== 1 || b.dims.length !== 2) fail(node, `needs a 2-D input and weights, got [N, ${x}] and [${b.dims}]`);
    const transB = attrInt(node, 'transB', 0) === 1;
    const [k, p] = transB ? [b.dims[1], b.dims[0]] : b.dims;
    if (k !== x[0]) fail(node, `multiplies ${x[0]} features by weights for ${k}`);
    return [[p]];
  },
  'mpx.Dense': (g, node, x) => {
    const w = g.constant(node.inputs[1]) ?? fail(node, 'has non-constant weights');
    if (x[x.length - 1] !== w.dims[1]) fail(node, `multiplies ${x[x.length - 1]} features by weights [${w.dims}]`);
    return [[...x.slice(0, -1), w.dims[0]]];
  },
  Flatten: (_g, node, x) => {
    const axis = normalizeAxis(attrInt(node, 'axis', 1), x.length + 1);
    if (Number.isNaN(axis)) fail(node, 'has its axis out of range');
    if (axis === 0 || elementCount(x.slice(0, axis - 1)) !== 1) fail(node, `flattens the batch axis into others (axis ${axis})`);
    return [[elementCount(x.slice(axis - 1))]];
  },
  Reshape: (g, node, x) => [reshapePerSample(g, node, x)],
  'mpx.Reshape': (_g, node, _x) => [attrInts(node, 'shape')],
  Squeeze: (g, node, x) => {
    const axes = squeezeAxes(g, node);
    const drop = axes ? axes.map((a) => sampleAxis(node, a, x.length + 1) - 1) : x.flatMap((d, i) => (d === 1 ? [i] : []));
    for (const a of drop) if (x[a] !== 1) fail(node, `squeezes axis ${a + 1} of size ${x[a]}`);
    return [x.filter((_, i) => !drop.includes(i))];
  },
  Unsqueeze: (g, node, x) => {
    const axes = unsqueezeAxes(g, node);
    const rank = x.length + 1 + axes.length;
    const at = new Set(axes.map((a) => sampleAxis(node, a, rank)));
    if (at.size !== axes.length) fail(node, `repeats an axis in [${axes}]`);
    const out: number[] = [];
    let k = 0;
    for (let i = 1; i < rank; i++) out.push(at.has(i) ? 1 : x[k++]);
    return [out];
  },
  Transpose: (_g, node, x) => {
    const perm = attrInts(node, 'perm', [...Array(x.length + 1).keys()].reverse());
    if (perm.length !== x.length + 1 || new Set(perm).size !== perm.length || perm.some((p) => !(p >= 0 && p <= x.length))) {
      fail(node, `has perm [${perm}], which is not a permutation of its ${x.length + 1} axes`);
    }
    if (perm[0] !== 0) fail(node, `has perm [${perm}], which moves the batch axis`);
    return [perm.slice(1).map((p) => x[p - 1])];
  },
  Concat: (g, node, x) => {
    const axis = sampleAxis(node, attrInt(node, 'axis'), x.length + 1) - 1;
    const parts = node.inputs.map((v) => {
      if (g.isConstant(v)) fail(node, `concatenates the constant '${v}' with activations`);
      const s = g.shape(v, node);
      if (s.length !== x.length || s.some((d, i) => i !== axis && d !== x[i])) fail(node, `concatenates [${x}] with [${s}]`);
      return s[axis];
    });
    const out = [...x];
    out[axis] = parts.reduce((a, b) => a + b, 0);
    return [out];
  },
  Pad: (g, node, x) => {
    const { begin, end } = fullPads(g, node, x.length + 1);
    return [x.map((d, i) => d + begin[i + 1] + end[i + 1])];
  },
  Slice: (g, node, x) => [fullSlice(g, node, x).slice(1).map((a) => a.count)],
};

/** Op types whose shapes this module infers (ONNX ops plus the importer's own mpx.* ops). */
export const SHAPED_OPS: ReadonlySet<string> = new Set(Object.keys(RULES));

export function inferNodeShapes(graph: Graph, node: Node): number[][] {
  const rule = RULES[node.op] ?? fail(node, 'is not an operator Mobiprox compiles');
  const first = ELEMENTWISE.has(node.op) ? node.inputs.find((v) => !graph.isConstant(v)) : node.inputs[0];
  if (!first || graph.isConstant(first)) fail(node, `reads the constant '${node.inputs[0]}' where an activation is expected`);
  const shapes = rule(graph, node, graph.shape(first, node));
  for (const s of shapes) {
    if (s.some((d) => !(d >= 1))) fail(node, `would produce an empty tensor [${s}]`);
    if (elementCount(s) > MAX_SAMPLE_ELEMENTS) fail(node, `would produce [${s.join(', ')}], more than ${MAX_SAMPLE_ELEMENTS} elements per sample (the runtime's 1 GiB limit)`, s);
  }
  return shapes;
}

/** Shape inference as a pass: (re)computes every node's output shapes in order. */
export function inferShapes(graph: Graph): void {
  for (const node of graph.nodes) {
    const shapes = inferNodeShapes(graph, node);
    shapes.forEach((s, i) => node.outputs[i] && graph.shapes.set(node.outputs[i], s));
  }
}

function reshapePerSample(graph: Graph, node: Node, x: number[]): number[] {
  const target = reshapeTarget(graph, node);
  const allowZero = attrInt(node, 'allowzero', 0) === 1;
  if (target.length === 0) fail(node, 'reshapes to a scalar, removing the batch axis');
  const [lead, ...rest] = target;
  if (rest.some((d) => Number.isNaN(d))) fail(node, 'moves the batch size into another axis');
  const keepsBatch =
    Number.isNaN(lead) ||
    (lead === 0 && !allowZero) ||
    (lead === -1 && !rest.includes(-1)) ||
    (lead > 0 && lead === graph.inputBatch);
  const out = keepsBatch ? resolveReshape(x, rest.map((d, i) => (d === 0 && !allowZero ? (x[i] ?? NaN) : d)), false) : undefined;
  if (!out || out.some((d) => Number.isNaN(d))) {
    fail(node, `reshapes [N, ${x}] to [${target.map((d) => (Number.isNaN(d) ? 'N' : d))}], which mixes the batch axis with others`);
  }
  return out;
}

/** Pad's begin/end per axis of the full rank; the batch entries must be 0 and no pad negative. */
export function fullPads(graph: Graph, node: Node, rank: number): { begin: number[]; end: number[]; value: number } {
  const { pads, value, axes } = padOperands(graph, node);
  const axisList = axes ? axes.map((a) => normalizeAxis(a, rank)) : [...Array(rank).keys()];
  if (pads.length !== 2 * axisList.length) fail(node, `has ${pads.length} pads for ${axisList.length} axes`);
  const begin = new Array<number>(rank).fill(0);
  const end = new Array<number>(rank).fill(0);
  axisList.forEach((a, i) => {
    if (Number.isNaN(a)) fail(node, 'has an axis out of range');
    begin[a] = pads[i];
    end[a] = pads[i + axisList.length];
  });
  if (begin[0] !== 0 || end[0] !== 0) fail(node, 'pads the batch axis');
  if ([...begin, ...end].some((p) => p < 0)) fail(node, `has negative pads [${pads}]; Mobiprox supports only growing pads`);
  return { begin, end, value };
}

/** Slice resolved on the full rank (entry 0 is the untouched batch axis). */
export function fullSlice(graph: Graph, node: Node, x: number[]) {
  const { starts, ends, axes, steps } = sliceOperands(graph, node);
  const rank = x.length + 1;
  const spec = [{ start: 0, step: 1, count: NaN }, ...x.map((d) => ({ start: 0, step: 1, count: d }))];
  starts.forEach((s, i) => {
    const axis = normalizeAxis(axes ? axes[i] : i, rank);
    const step = steps ? steps[i] : 1;
    if (Number.isNaN(axis)) fail(node, `has axis ${axes?.[i]} out of range`);
    if (step === 0) fail(node, 'has a step of 0');
    if (axis === 0) {
      if (s !== 0 || step !== 1 || ends[i] < Number.MAX_SAFE_INTEGER) fail(node, 'slices the batch axis');
      return;
    }
    spec[axis] = resolveSliceAxis(x[axis - 1], s, ends[i], step);
  });
  return spec;
}
