import { Graph, Node, attrFloat } from '../graph';
import { clipRange } from '../operands';
import { followViews } from './reshapeChain';

/** Activation codes of FORMAT.md's CONV and DENSE `act` attribute. */
export const enum Activation {
  None = 0,
  Relu = 1,
  Clip = 2,
  LeakyRelu = 3,
}

/**
 * Fuses a Relu, Clip or LeakyRelu that is the only reader of a Conv's or mpx.Dense's output (possibly
 * through views: elementwise functions commute with them) into the op's `act` attribute.
 */
export function fuseActivation(graph: Graph): void {
  for (const node of [...graph.nodes]) {
    if (node.op !== 'Conv' && node.op !== 'mpx.Dense') continue;
    const { value, next } = followViews(graph, node.outputs[0]);
    if (!next || next.inputs[0] !== value) continue;
    const act = activationOf(graph, next);
    if (!act) continue;
    node.attrs.act = act.code;
    node.attrs.act_a = act.a;
    node.attrs.act_b = act.b;
    node.fused = { ...node.fused, activation: next.name };
    graph.bypass(next, value);
  }
}

function activationOf(graph: Graph, node: Node): { code: Activation; a: number; b: number } | undefined {
  switch (node.op) {
    case 'Relu':
      return { code: Activation.Relu, a: 0, b: 0 };
    case 'LeakyRelu':
      return { code: Activation.LeakyRelu, a: attrFloat(node, 'alpha', 0.01), b: 0 };
    case 'Clip': {
      const { min, max } = clipRange(graph, node);
      return { code: Activation.Clip, a: min, b: max };
    }
    default:
      return undefined;
  }
}
