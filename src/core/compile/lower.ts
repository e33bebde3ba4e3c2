import { MobiproxError } from '../errors';
import { Graph, Node, attrFloat, attrInt, attrInts } from '../onnx/graph';
import { clipRange } from '../onnx/operands';
import { alignConstant, fullPads, fullSlice, sampleAxis } from '../onnx/shapeInference';
import { OpType } from './formatTable';
import { Program, ProgramOp, ProgramTensor } from './program';

/**
 * Translates the imported graph, one node to one op in the same order, into the .mpxm program: tensor
 * ids, and attributes laid out as FORMAT.md's op table says (axes counted with the batch axis).
 */
export function lowerGraph(graph: Graph): Omit<Program, 'layers'> {
  const tensors: ProgramTensor[] = [];
  const ids = new Map<string, number>();

  const activation = (name: string, node?: Node): number => {
    const known = ids.get(name);
    if (known !== undefined) return known;
    ids.set(name, tensors.length);
    tensors.push({ name, kind: 'activation', dims: graph.shape(name, node) });
    return tensors.length - 1;
  };

  const constant = (name: string, node: Node, dims?: number[]): number => {
    const t = graph.constant(name)!;
    const shape = dims ?? t.dims;
    const key = `${name}\u0000${shape.join(',')}`;
    const known = ids.get(key);
    if (known !== undefined) return known;
    if (t.type !== 'float') {
      throw new MobiproxError(`Node '${node.name}' (${node.op}) uses the integer constant '${name}' as data; Mobiprox computes in float32.`, {
        node: node.name,
        value: name,
      });
    }
    const sameName = tensors.some((x) => x.name === name);
    ids.set(key, tensors.length);
    tensors.push({ name: sameName ? `${name}:${shape.join('x')}` : name, kind: 'constant', dims: shape, data: Float32Array.from(t.data) });
    return tensors.length - 1;
  };

  const inputs = [activation(graph.input)];
  const ops = graph.nodes.map((node): ProgramOp => {
    const first = node.inputs.find((v) => v && !graph.isConstant(v)) ?? node.inputs[0];
    const rank = graph.shape(first, node).length + 1;
    const spec = opSpec(graph, node, rank);
    const operand = (v: string, i: number): number => {
      if (!v) return -1;
      if (!graph.isConstant(v)) return activation(v, node);
      const sampleRank = graph.shape(node.inputs[1 - i] ?? node.inputs[0], node).length;
      return constant(v, node, spec.alignConstants ? alignConstant(node, graph.constant(v)!, sampleRank) : undefined);
    };
    const inputIds = node.inputs.slice(0, spec.dataInputs).map(operand);
    for (const v of node.outputs.slice(0, 1)) {
      if (ids.has(v)) throw new MobiproxError(`Value '${v}' is written by more than one node (at '${node.name}').`, { node: node.name, value: v });
    }
    return { type: spec.type, name: node.name, inputs: inputIds, outputs: [activation(node.outputs[0], node)], iattrs: spec.iattrs, fattrs: spec.fattrs };
  });

  const outputs = graph.outputs.map((v) => {
    if (graph.isConstant(v) || v === graph.input) {
      throw new MobiproxError(`Graph output '${v}' of model '${graph.name}' is not computed by any operation.`, { value: v });
    }
    return activation(v);
  });
  return { tensors, inputs, outputs, ops };
}

interface OpSpec {
  type: OpType;
  iattrs: number[];
  fattrs: number[];
  /** Elementwise ops right-align constants to the activation (leading unit axes dropped). */
  alignConstants?: boolean;
  /** How many leading ONNX inputs are op inputs; the rest were parameters, now attributes. */
  dataInputs?: number;
}

function fail(node: Node, why: string): never {
  throw new MobiproxError(`Node '${node.name}' (${node.op}) ${why}.`, { node: node.name });
}

function window2d(node: Node, rank: number): number[] {
  if (rank !== 4) fail(node, `works on ${rank - 2} spatial axes; Mobiprox compiles 1-D and 2-D windows only`);
  const [kh, kw] = attrInts(node, 'kernel_shape');
  const [sh, sw] = attrInts(node, 'strides', [1, 1]);
  const [pt, pl, pb, pr] = attrInts(node, 'pads', [0, 0, 0, 0]);
  const [dh, dw] = attrInts(node, 'dilations', [1, 1]);
  return [kh, kw, sh, sw, pt, pl, pb, pr, dh, dw];
}

function activationAttrs(node: Node): { act: number; fattrs: number[] } {
  return { act: attrInt(node, 'act', 0), fattrs: [attrFloat(node, 'act_a', 0), attrFloat(node, 'act_b', 0)] };
}

const ELEMENTWISE: Record<string, OpType> = { Add: OpType.ADD, Sub: OpType.SUB, Mul: OpType.MUL, Div: OpType.DIV };
const UNARY: Record<string, OpType> = {
  Relu: OpType.RELU,
  Sigmoid: OpType.SIGMOID,
  Tanh: OpType.TANH,
  GlobalAveragePool: OpType.GLOBAL_AVGPOOL,
  GlobalMaxPool: OpType.GLOBAL_MAXPOOL,
  'mpx.Reshape': OpType.RESHAPE,
  'mpx.Affine': OpType.AFFINE,
};

function opSpec(graph: Graph, node: Node, rank: number): OpSpec {
  if (node.op in ELEMENTWISE) {
    // the fused activation is optional in the file: without one the op keeps its attribute-free record
    const { act, fattrs } = activationAttrs(node);
    return { type: ELEMENTWISE[node.op], iattrs: act ? [act] : [], fattrs: act ? fattrs : [], alignConstants: true };
  }
  if (node.op in UNARY) return { type: UNARY[node.op], iattrs: [], fattrs: [] };
  if (node.op === 'MatMul') return { type: OpType.MATMUL, iattrs: [], fattrs: [], alignConstants: true };
  switch (node.op) {
    case 'Conv': {
      const { act, fattrs } = activationAttrs(node);
      const [kh, kw, ...rest] = window2d(node, rank);
      return { type: OpType.CONV, iattrs: [attrInt(node, 'group', 1), kh, kw, ...rest, act], fattrs };
    }
    case 'mpx.Dense': {
      const { act, fattrs } = activationAttrs(node);
      return { type: OpType.DENSE, iattrs: [act], fattrs };
    }
    case 'Clip': {
      const { min, max } = clipRange(graph, node);
      return { type: OpType.CLIP, iattrs: [], fattrs: [min, max], dataInputs: 1 };
    }
    case 'LeakyRelu':
      return { type: OpType.LEAKY_RELU, iattrs: [], fattrs: [attrFloat(node, 'alpha', 0.01)] };
    case 'MaxPool':
      return { type: OpType.MAXPOOL, iattrs: window2d(node, rank), fattrs: [] };
    case 'AveragePool':
      return { type: OpType.AVGPOOL, iattrs: [...window2d(node, rank), attrInt(node, 'count_include_pad', 0)], fattrs: [] };
    case 'Transpose':
      return { type: OpType.TRANSPOSE, iattrs: attrInts(node, 'perm', [...Array(rank).keys()].reverse()), fattrs: [] };
    case 'Concat':
      return { type: OpType.CONCAT, iattrs: [sampleAxis(node, attrInt(node, 'axis'), rank)], fattrs: [] };
    case 'Pad': {
      const { begin, end, value } = fullPads(graph, node, rank);
      return { type: OpType.PAD, iattrs: [...begin, ...end], fattrs: [value], dataInputs: 1 };
    }
    case 'Slice': {
      const axes = fullSlice(graph, node, graph.shape(node.inputs[0], node));
      return { type: OpType.SLICE, iattrs: [...axes.map((a) => a.start), ...axes.map((a) => a.step)], fattrs: [], dataInputs: 1 };
    }
    case 'Softmax': {
      const axis = sampleAxis(node, attrInt(node, 'axis', graph.opset < 13 ? 1 : -1), rank);
      const flatten = graph.opset < 13 && axis < rank - 1 ? 1 : 0;
      return { type: OpType.SOFTMAX, iattrs: [axis, flatten], fattrs: [] };
    }
    default:
      return fail(node, 'has no .mpxm equivalent');
  }
}
