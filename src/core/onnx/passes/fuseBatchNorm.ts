import { Graph, Node, attrFloat, tensor } from '../graph';
import { constantInput } from '../operands';

/**
 * Folds an inference BatchNormalization into the Conv that produces its input (scaling each filter and its
 * bias), or, when there is no such Conv, lowers it to a per-channel affine map (mpx.Affine).
 */
export function fuseBatchNorm(graph: Graph): void {
  for (const node of [...graph.nodes]) {
    if (node.op !== 'BatchNormalization') continue;
    const x = node.inputs[0];
    const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i) => constantInput(graph, node, i, 'statistics')!);
    const eps = attrFloat(node, 'epsilon', 1e-5);
    const channels = graph.shape(x, node)[0];
    const s = Array.from({ length: channels }, (_, c) => scale.data[c] / Math.sqrt(variance.data[c] + eps));
    const shift = s.map((sc, c) => bias.data[c] - mean.data[c] * sc);
    const conv = graph.producer(x);
    if (conv && conv.op === 'Conv' && graph.hasSingleUse(x)) {
      scaleConv(graph, conv, s, shift);
      graph.bypass(node);
      continue;
    }
    node.op = 'mpx.Affine';
    node.attrs = {};
    node.outputs = [node.outputs[0]];
    node.inputs = [
      x,
      graph.addConstant(`${node.name}/scale`, tensor('float', [channels], s.map(Math.fround))),
      graph.addConstant(`${node.name}/shift`, tensor('float', [channels], shift.map(Math.fround))),
    ];
  }
}

function scaleConv(graph: Graph, conv: Node, s: number[], shift: number[]): void {
  const w = graph.constant(conv.inputs[1])!;
  const perFilter = w.data.length / w.dims[0];
  const weights = w.data.map((v, i) => Math.fround(v * s[Math.floor(i / perFilter)]));
  const b = conv.inputs[2] ? graph.constant(conv.inputs[2])!.data : new Float64Array(s.length);
  const bias = s.map((sc, m) => Math.fround(b[m] * sc + shift[m]));
  conv.inputs[1] = graph.addConstant(`${conv.inputs[1]}_bn`, { type: 'float', dims: w.dims, data: weights });
  conv.inputs[2] = graph.addConstant(`${conv.name}/bias_bn`, tensor('float', [s.length], bias));
}
