/**
 * The graph as the runtime runs it, for the overview's graph view: the nodes left after the import passes
 * (constants folded, shape subgraphs evaluated, bias and activation fused into their convolution), each
 * with its type, attributes, output shape and the layer it belongs to, and the tensors between them as
 * edges. Branches, concatenations and residual adds stay visible, unlike in the table of layers.
 */
import { AttrValue, Graph } from '../onnx/graph';
import { Activation } from './formatTable';
import { Slot } from './program';

export interface GraphNodeInfo {
  name: string;
  /** The ONNX operator type: Conv, Add, Concat, … */
  op: string;
  /** The nodes fused into this one (its bias add, its activation). */
  fused: string[];
  /** Attributes as text: "kernel_shape": "3, 3". */
  attrs: Record<string, string>;
  /** Per-sample shape of the first output. */
  outputShape: number[];
  /** 1-based index of the layer whose step this node is, if any (data movement belongs to none). */
  layer?: number;
}

export interface GraphEdgeInfo {
  /** Index of the producing node, −1 for the model's input. */
  from: number;
  /** Index of the consuming node, −1 for a model output. */
  to: number;
  /** Per-sample shape of the tensor. */
  shape: number[];
}

export interface ModelGraph {
  nodes: GraphNodeInfo[];
  edges: GraphEdgeInfo[];
}

/** The fused activation's kinds (the importer's act attribute), as ONNX names them. */
const ACTIVATIONS: Record<number, string> = { [Activation.Relu]: 'Relu', [Activation.Clip]: 'Clip', [Activation.LeakyRelu]: 'LeakyRelu' };

export function describeGraph(graph: Graph, layers: readonly Slot[][]): ModelGraph {
  const layerOf = new Map<string, number>();
  layers.forEach((slots, i) => slots.forEach((s) => layerOf.has(s.node) || layerOf.set(s.node, i + 1)));
  const producer = new Map<string, number>();
  graph.nodes.forEach((n, i) => n.outputs.forEach((v) => producer.set(v, i)));
  const nodes = graph.nodes.map((n): GraphNodeInfo => ({
    name: n.name,
    op: n.op.replace(/^mpx\./, ''),
    fused: [n.fused?.bias, n.fused?.activation].filter((f): f is string => !!f && f !== n.name),
    attrs: attributes(n.attrs),
    outputShape: graph.shape(n.outputs[0]),
    ...(layerOf.has(n.name) ? { layer: layerOf.get(n.name) } : {}),
  }));
  const edges: GraphEdgeInfo[] = [];
  graph.nodes.forEach((n, to) => {
    for (const value of new Set(n.inputs)) {
      if (!value || graph.isConstant(value)) continue;
      const from = value === graph.input ? -1 : producer.get(value);
      if (from !== undefined) edges.push({ from, to, shape: graph.shape(value) });
    }
  });
  for (const value of graph.outputs) {
    const from = producer.get(value);
    if (from !== undefined) edges.push({ from, to: -1, shape: graph.shape(value) });
  }
  return { nodes, edges };
}

/** ONNX attributes as text; the fused activation's (act, act_a, act_b) in ONNX's words. */
function attributes(attrs: Record<string, AttrValue>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) if (k !== 'act' && k !== 'act_a' && k !== 'act_b') out[k] = attrText(v);
  const act = attrs.act as number | undefined;
  if (act) out.activation = ACTIVATIONS[act] ?? String(act);
  if (act === Activation.Clip) Object.assign(out, { min: attrText(attrs.act_a ?? 0), max: attrText(attrs.act_b ?? 0) });
  if (act === Activation.LeakyRelu) out.alpha = attrText(attrs.act_a ?? 0);
  return out;
}

function attrText(v: AttrValue): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.join(', ');
  return `tensor [${v.dims.join(', ')}]`;
}
