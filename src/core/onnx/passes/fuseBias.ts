import { Graph, Node, Tensor, elementCount, tensor } from '../graph';
import { alignConstant } from '../shapeInference';
import { broadcastIndex, broadcastShapes } from '../tensorMath';
import { followViews } from './reshapeChain';

/**
 * Fuses an Add (or Sub) of a constant into the Conv or mpx.Dense before it when the constant is one value
 * per output channel, also across views in between (har-cnn: Conv → Squeeze → Add(bias)).
 */
export function fuseBias(graph: Graph): void {
  for (const node of [...graph.nodes]) {
    if (node.op !== 'Conv' && node.op !== 'mpx.Dense') continue;
    const { value, next } = followViews(graph, node.outputs[0]);
    if (!next || (next.op !== 'Add' && next.op !== 'Sub')) continue;
    const other = next.inputs[0] === value ? next.inputs[1] : next.inputs[0];
    const c = graph.constant(other);
    if (!c || (next.op === 'Sub' && next.inputs[0] !== value)) continue;
    const perChannel = channelValues(graph, node, next, graph.shape(value, next), c);
    if (!perChannel) continue;
    const sign = next.op === 'Sub' ? -1 : 1;
    const old = node.inputs[2] ? graph.constant(node.inputs[2])!.data : new Float64Array(perChannel.length);
    const bias = perChannel.map((v, m) => Math.fround(old[m] + sign * v));
    node.inputs[2] = graph.addConstant(`${node.name}/bias`, tensor('float', [bias.length], bias));
    node.fused = { ...node.fused, bias: next.name };
    graph.bypass(next, value);
  }
}

/** The constant as one value per output channel of `node`, or undefined when it varies otherwise. */
function channelValues(graph: Graph, node: Node, add: Node, shape: number[], c: Tensor): number[] | undefined {
  const dims = alignConstant(add, c, shape.length);
  const full = broadcastShapes(shape, dims);
  if (!full || full.some((d, i) => d !== shape[i])) return undefined;
  const index = broadcastIndex(dims, shape);
  const out = graph.shape(node.outputs[0], node);
  const channels = node.op === 'Conv' ? out[0] : out[out.length - 1];
  const spread = elementCount(out) / channels;
  // Views keep the data order, so element i of the view is element i of the op's output.
  const channelOf = node.op === 'Conv' ? (i: number) => Math.floor(i / spread) : (i: number) => i % channels;
  const values = new Array<number>(channels).fill(NaN);
  for (let i = 0; i < index.length; i++) {
    const v = c.data[index[i]];
    const m = channelOf(i);
    if (Number.isNaN(values[m])) values[m] = v;
    else if (values[m] !== v) return undefined;
  }
  return values;
}
