import { MobiproxError } from '../../errors';
import { FOLDABLE_OPS, evaluateNode } from '../evaluate';
import { Graph, Node, Tensor } from '../graph';
import { SHAPED_OPS, inferNodeShapes } from '../shapeInference';

/**
 * One forward sweep in node order: a node whose inputs are all constants (or a Shape of an activation,
 * whose per-sample shape is known) is evaluated and replaced by constants; every other node gets its
 * output shapes inferred, which later Shape nodes may read.
 */
export function foldConstants(graph: Graph): void {
  for (const node of [...graph.nodes]) {
    const outputs = evaluable(graph, node);
    if (outputs) {
      node.outputs.forEach((v, i) => v && outputs[i] && graph.constants.set(v, outputs[i]));
      graph.remove(node);
      continue;
    }
    if (!SHAPED_OPS.has(node.op)) {
      throw new MobiproxError(
        `Node '${node.name}' (${node.op}) works on activations; Mobiprox supports ${node.op} only where it can be computed at compile time.`,
        { node: node.name },
      );
    }
    inferNodeShapes(graph, node).forEach((s, i) => node.outputs[i] && graph.shapes.set(node.outputs[i], s));
  }
}

function evaluable(graph: Graph, node: Node): Tensor[] | undefined {
  if (!FOLDABLE_OPS.has(node.op)) return undefined;
  if (node.op === 'Shape' && graph.shapes.has(node.inputs[0])) {
    const dims = [NaN, ...graph.shape(node.inputs[0], node)];
    return evaluateNode(graph, node, [{ type: 'float', dims, data: new Float64Array(0) }]);
  }
  if (!node.inputs.every((v) => !v || graph.isConstant(v))) return undefined;
  return evaluateNode(graph, node);
}
