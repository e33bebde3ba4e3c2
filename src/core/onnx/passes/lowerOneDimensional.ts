import { Graph, Node, attrInts } from '../graph';

const WINDOWED = new Set(['Conv', 'MaxPool', 'AveragePool']);

/**
 * Compiles 1-D convolutions and pools as 2-D ones over a unit height (FORMAT.md): [C, L] is viewed as
 * [C, 1, L] around the node, and the weights gain a unit kernel height. Needs explicit pads (resolvePadding).
 */
export function lowerOneDimensional(graph: Graph): void {
  for (const node of [...graph.nodes]) {
    if (!WINDOWED.has(node.op)) continue;
    const x = graph.shape(node.inputs[0], node);
    if (x.length !== 2) continue;
    const out = node.outputs[0];
    const y = graph.shape(out, node);
    const [pb, pe] = attrInts(node, 'pads');
    node.attrs.kernel_shape = [1, ...attrInts(node, 'kernel_shape')];
    node.attrs.strides = [1, ...attrInts(node, 'strides')];
    node.attrs.dilations = [1, ...attrInts(node, 'dilations')];
    node.attrs.pads = [0, pb, 0, pe];
    if (node.op === 'Conv') {
      const w = graph.constant(node.inputs[1])!;
      node.inputs[1] = graph.addConstant(`${node.inputs[1]}_2d`, { ...w, dims: [w.dims[0], w.dims[1], 1, w.dims[2]] });
    }
    const input2d = graph.freshName(`${node.inputs[0]}_2d`);
    graph.shapes.set(input2d, [x[0], 1, x[1]]);
    graph.insertBefore(node, view(graph, `${node.name}/to_2d`, node.inputs[0], input2d, [x[0], 1, x[1]]));
    node.inputs[0] = input2d;
    const output2d = graph.freshName(`${out}_2d`);
    graph.shapes.set(output2d, [y[0], 1, y[1]]);
    node.outputs[0] = output2d;
    graph.insertBefore(graph.nodes[graph.nodes.indexOf(node) + 1], view(graph, `${node.name}/to_1d`, output2d, out, y));
  }
}

function view(graph: Graph, name: string, input: string, output: string, shape: number[]): Node {
  return { name: graph.freshName(name), op: 'mpx.Reshape', inputs: [input], outputs: [output], attrs: { shape } };
}
