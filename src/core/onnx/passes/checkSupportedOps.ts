import { MobiproxError } from '../../errors';
import { FOLDABLE_OPS } from '../evaluate';
import { Graph } from '../graph';
import { SHAPED_OPS } from '../shapeInference';

/**
 * Rejects a model using operators Mobiprox cannot compile, in one error that lists every such operator
 * with the names of its nodes, so that the user sees the whole conversion job at once.
 */
export function checkSupportedOps(graph: Graph): void {
  const unsupported = new Map<string, string[]>();
  for (const node of graph.nodes) {
    if ((SHAPED_OPS.has(node.op) && !node.op.startsWith('mpx.')) || FOLDABLE_OPS.has(node.op)) continue;
    unsupported.set(node.op, [...(unsupported.get(node.op) ?? []), node.name]);
  }
  if (unsupported.size === 0) return;
  const list = [...unsupported].map(([op, nodes]) => `${op} (${nodes.map((n) => `'${n}'`).join(', ')})`).join('; ');
  throw new MobiproxError(
    `Model '${graph.name}' uses operators Mobiprox does not support: ${list}. Replace them before compiling.`,
    { node: [...unsupported.values()][0][0], value: [...unsupported.keys()] },
  );
}
