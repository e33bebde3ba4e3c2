import { MobiproxError } from '../../errors';
import { Graph, Node, Tensor, attrFloat, attrInt, tensor } from '../graph';
import { alignConstant, constantMatrix } from '../shapeInference';
import { transposeTensor } from '../tensorMath';

/**
 * Lowers Gemm (transA = 0) and MatMul of an activation by a constant 2-D matrix to mpx.Dense, whose weights
 * are [P, K] (one row per output, as FORMAT.md's DENSE). alpha and beta are folded into the constants.
 * A following bias Add is fused later by fuseBias.
 */
export function fuseDense(graph: Graph): void {
  for (const node of graph.nodes) {
    if (node.op === 'Gemm') lowerGemm(graph, node);
    else if (node.op === 'MatMul' && graph.isConstant(node.inputs[1]) && constantMatrix(graph.constant(node.inputs[1])!)) lowerMatMul(graph, node);
  }
}

function lowerGemm(graph: Graph, node: Node): void {
  const b = graph.constant(node.inputs[1])!;
  const alpha = attrFloat(node, 'alpha', 1);
  const beta = attrFloat(node, 'beta', 1);
  let w: Tensor = attrInt(node, 'transB', 0) === 1 ? b : transposeTensor(b, [1, 0]);
  if (alpha !== 1) w = { ...w, data: w.data.map((v) => Math.fround(v * alpha)) };
  const inputs = [node.inputs[0], graph.addConstant(`${node.name}/weights`, w)];
  const c = node.inputs[2] ? graph.constant(node.inputs[2]) : undefined;
  if (node.inputs[2] && !c) {
    throw new MobiproxError(`Gemm node '${node.name}' adds a non-constant C; Mobiprox needs a constant bias.`, { node: node.name });
  }
  if (c && beta !== 0) {
    const p = w.dims[0];
    const dims = alignConstant(node, c, 1);
    if (dims.length === 1 && dims[0] !== p && dims[0] !== 1) {
      throw new MobiproxError(`Gemm node '${node.name}' has a bias of shape [${c.dims}] for ${p} outputs.`, { node: node.name });
    }
    const bias = Array.from({ length: p }, (_, i) => Math.fround(beta * c.data[c.data.length === 1 ? 0 : i]));
    inputs.push(graph.addConstant(`${node.name}/bias`, tensor('float', [p], bias)));
    node.fused = { bias: node.name };
  }
  node.op = 'mpx.Dense';
  node.inputs = inputs;
  node.attrs = {};
}

function lowerMatMul(graph: Graph, node: Node): void {
  const b = graph.constant(node.inputs[1])!;
  const w = transposeTensor({ ...b, dims: constantMatrix(b)! }, [1, 0]);
  node.op = 'mpx.Dense';
  node.inputs = [node.inputs[0], graph.addConstant(`${node.inputs[1]}_t`, w)];
  node.attrs = {};
}
