import { Graph } from '../graph';

/** Removes nodes none of whose outputs reaches a graph output (left over after folding and fusion). */
export function eliminateDeadNodes(graph: Graph): void {
  const live = new Set(graph.outputs);
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const node = graph.nodes[i];
    if (node.outputs.some((v) => live.has(v))) node.inputs.forEach((v) => live.add(v));
    else graph.nodes.splice(i, 1);
  }
}
