import { MobiproxError } from '../../errors';
import { Graph } from '../graph';

/** Removes Identity and Dropout (inference-time identities); a used Dropout mask is an error. */
export function eliminateIdentity(graph: Graph): void {
  for (const node of [...graph.nodes]) {
    if (node.op !== 'Identity' && node.op !== 'Dropout') continue;
    const mask = node.outputs[1];
    if (mask && (graph.consumers(mask).length > 0 || graph.outputs.includes(mask))) {
      throw new MobiproxError(`Dropout node '${node.name}' has its mask output in use, which inference does not produce.`, {
        node: node.name,
      });
    }
    graph.bypass(node);
  }
}
