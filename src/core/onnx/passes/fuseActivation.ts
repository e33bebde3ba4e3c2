// The `act` attribute holds the .mpxm format's activation code (CONV, DENSE, ADD, SUB, MUL, DIV).
import { Activation } from '../../compile/formatTable';
import { Graph, Node, attrFloat } from '../graph';
import { clipRange } from '../operands';
import { followViews } from './reshapeChain';

interface Act {
  code: Activation;
  a: number;
  b: number;
}

/** Ops whose `act` attribute applies an activation to their result. */
const HOSTS = new Set(['Conv', 'mpx.Dense', 'Add', 'Sub', 'Mul', 'Div']);

/**
 * Fuses a Relu, Clip or LeakyRelu that is the only reader of the output of a Conv, an mpx.Dense or an
 * element-wise Add/Sub/Mul/Div (possibly through views: elementwise functions commute with them) into the
 * op's `act` attribute, so that the runtime applies it while the result is still in registers (a residual
 * Add → Relu is one pass instead of two). A following Relu or Clip composes with a fused Relu or Clip
 * (exporters write ReLU6 as Relu → Clip(0, 6)).
 */
export function fuseActivation(graph: Graph): void {
  for (const node of [...graph.nodes]) {
    if (!HOSTS.has(node.op)) continue;
    for (;;) {
      const { value, next } = followViews(graph, node.outputs[0]);
      if (!next || next.inputs[0] !== value) break;
      const act = activationOf(graph, next);
      const current: Act = { code: (node.attrs.act as Activation) ?? Activation.None, a: (node.attrs.act_a as number) ?? 0, b: (node.attrs.act_b as number) ?? 0 };
      const combined = act && compose(current, act);
      if (!combined) break;
      node.attrs.act = combined.code;
      node.attrs.act_a = combined.a;
      node.attrs.act_b = combined.b;
      node.fused = { ...node.fused, activation: next.name };
      graph.bypass(next, value);
    }
  }
}

function activationOf(graph: Graph, node: Node): Act | undefined {
  switch (node.op) {
    case 'Relu':
      return { code: Activation.Relu, a: 0, b: 0 };
    case 'LeakyRelu':
      return { code: Activation.LeakyRelu, a: attrFloat(node, 'alpha', 0.01), b: 0 };
    case 'Clip': {
      const { min, max } = clipRange(graph, node);
      return min <= max ? { code: Activation.Clip, a: min, b: max } : undefined;
    }
    default:
      return undefined;
  }
}

/** `second` applied after `first` as one activation, when there is one. */
function compose(first: Act, second: Act): Act | undefined {
  if (first.code === Activation.None) return second;
  const asClip = (x: Act): [number, number] | undefined =>
    x.code === Activation.Relu ? [0, Infinity] : x.code === Activation.Clip ? [x.a, x.b] : undefined;
  const f = asClip(first);
  const s = asClip(second);
  if (!f || !s) return undefined;
  // min(max(min(max(x, a1), b1), a2), b2) is a single clip when the intervals overlap.
  const lo = Math.max(f[0], s[0]);
  const hi = Math.min(f[1], s[1]);
  if (lo > hi) return undefined;
  return lo === 0 && hi === Infinity ? { code: Activation.Relu, a: 0, b: 0 } : { code: Activation.Clip, a: lo, b: hi };
}
