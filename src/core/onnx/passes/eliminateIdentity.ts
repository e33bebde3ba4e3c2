import { MobiproxError } from '../../errors';
import { Graph } from '../graph';

/**
 * Removes Identity and Dropout (inference-time identities), except that one copying the graph input to a
 * graph output becomes a copy; a used Dropout mask is an error.
 */
export function eliminateIdentity(graph: Graph): void {
  for (const node of [...graph.nodes]) {
    if (node.op !== 'Identity' && node.op !== 'Dropout') continue;
    const mask = node.outputs[1];
    if (mask && (graph.consumers(mask).length > 0 || graph.outputs.includes(mask))) {
      throw new MobiproxError(`Dropout node '${node.name}' has its mask output in use, which inference does not produce.`, {
        node: node.name,
      });
    }
    if (node.inputs[0] === graph.input && graph.outputs.includes(node.outputs[0])) {
      // The graph output must still be computed: keep a copy (a reshape to the same shape).
      node.op = 'mpx.Reshape';
      node.inputs = [graph.input];
      node.outputs = [node.outputs[0]];
      node.attrs = { shape: graph.shape(graph.input, node) };
      continue;
    }
    graph.bypass(node);
  }
}
