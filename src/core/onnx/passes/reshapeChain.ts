import { Graph, Node } from '../graph';

const VIEW_OPS = new Set(['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'mpx.Reshape']);

/** True for ops that only reinterpret the shape and keep the data in order. */
export const isView = (node: Node): boolean => VIEW_OPS.has(node.op);

/**
 * Follows `value` through views (Reshape, Flatten, Squeeze, Unsqueeze) that are each its only reader, and
 * returns the last value reached and its single reader, if any. Fusion passes use it to look past the
 * reshapes that exporters put around 1-D convolutions.
 */
export function followViews(graph: Graph, value: string): { value: string; next?: Node } {
  let v = value;
  for (;;) {
    if (!graph.hasSingleUse(v)) return { value: v };
    const next = graph.consumers(v)[0];
    if (!isView(next) || next.inputs[0] !== v) return { value: v, next };
    v = next.outputs[0];
  }
}
