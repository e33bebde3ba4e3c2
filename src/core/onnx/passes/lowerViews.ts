import { Graph } from '../graph';
import { isView } from './reshapeChain';

/**
 * Turns Reshape, Flatten, Squeeze and Unsqueeze of activations into mpx.Reshape (the target per-sample
 * shape as an attribute, FORMAT.md's RESHAPE), merges chains of them and drops those that change nothing.
 */
export function lowerViews(graph: Graph): void {
  for (const node of [...graph.nodes]) {
    if (!isView(node)) continue;
    node.op = 'mpx.Reshape';
    node.inputs = [node.inputs[0]];
    node.attrs = { shape: graph.shape(node.outputs[0], node) };
    const producer = graph.producer(node.inputs[0]);
    if (producer && producer.op === 'mpx.Reshape' && graph.hasSingleUse(node.inputs[0])) {
      node.inputs = [producer.inputs[0]];
      graph.remove(producer);
    }
    const before = graph.shape(node.inputs[0], node);
    const after = graph.shape(node.outputs[0], node);
    const copiesInputToOutput = node.inputs[0] === graph.input && graph.outputs.includes(node.outputs[0]);
    if (!copiesInputToOutput && before.length === after.length && before.every((d, i) => d === after[i])) graph.bypass(node);
  }
}
