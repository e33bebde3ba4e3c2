import { Graph, Node, attrInt } from '../onnx/graph';
import { followViews } from '../onnx/passes/reshapeChain';
import { OpType, SlotPart } from './formatTable';
import { DATA_MOVEMENT, ProgramOp, Slot, SlotKind } from './program';

/**
 * Groups ops into HPVM layers (configuration lines): a conv or mul followed, as far as the graph allows, by
 * its bias add, a relu or tanh, and a max or mean pool ([conv|mul][add][relu|tanh][pool_max|pool_mean]);
 * every other float op is a layer of its own, including an activation fused into an element-wise op
 * (its line controls part 2 of that op, right after the op's own line). Data-movement ops belong to no
 * layer. Node i is op i.
 */
export function formLayers(graph: Graph, ops: readonly ProgramOp[]): Slot[][] {
  const index = new Map(graph.nodes.map((n, i) => [n, i]));
  const taken = new Set<number>();
  const layers: Slot[][] = [];
  graph.nodes.forEach((node, i) => {
    if (taken.has(i) || DATA_MOVEMENT.has(ops[i].type)) return;
    taken.add(i);
    const kind = slotKind(node, ops[i].type);
    const slots: Slot[] = [{ kind, part: SlotPart.Op, op: i, node: node.name }];
    layers.push(slots);
    const act = attrInt(node, 'act', 0);
    const activation = (): Slot => ({
      kind: act === 1 ? 'relu' : act === 2 ? 'clip' : 'leaky_relu',
      part: SlotPart.Act,
      op: i,
      node: node.fused?.activation ?? node.name,
    });
    if (kind !== 'conv' && kind !== 'group_conv' && kind !== 'mul') {
      if (act !== 0) layers.push([activation()]);
      return;
    }
    if (node.inputs[2]) slots.push({ kind: 'add', part: SlotPart.Bias, op: i, node: node.fused?.bias ?? node.name });
    if (act !== 0) slots.push(activation());
    let last = node;
    const follow = (accept: (n: Node) => SlotKind | undefined): boolean => {
      const { value, next } = followViews(graph, last.outputs[0]);
      const k = next && next.inputs[0] === value ? accept(next) : undefined;
      if (!next || !k) return false;
      const j = index.get(next)!;
      taken.add(j);
      slots.push({ kind: k, part: SlotPart.Op, op: j, node: next.name });
      last = next;
      return true;
    };
    if (act === 0) follow((n) => (n.op === 'Tanh' ? 'tanh' : n.op === 'Relu' ? 'relu' : undefined));
    follow((n) => {
      const t = ops[index.get(n)!].type;
      return t === OpType.MAXPOOL || t === OpType.GLOBAL_MAXPOOL ? 'pool_max' : t === OpType.AVGPOOL || t === OpType.GLOBAL_AVGPOOL ? 'pool_mean' : undefined;
    });
  });
  return layers;
}

function slotKind(node: Node, type: OpType): SlotKind {
  switch (type) {
    case OpType.CONV:
      return attrInt(node, 'group', 1) > 1 ? 'group_conv' : 'conv';
    case OpType.DENSE:
    case OpType.MATMUL:
      return 'mul';
    case OpType.ADD:
      return 'add';
    case OpType.SUB:
      return 'sub';
    case OpType.MUL:
      return 'emul';
    case OpType.DIV:
      return 'div';
    case OpType.AFFINE:
      return 'batchnorm';
    case OpType.RELU:
      return 'relu';
    case OpType.CLIP:
      return 'clip';
    case OpType.LEAKY_RELU:
      return 'leaky_relu';
    case OpType.SIGMOID:
      return 'sigmoid';
    case OpType.TANH:
      return 'tanh';
    case OpType.MAXPOOL:
    case OpType.GLOBAL_MAXPOOL:
      return 'pool_max';
    case OpType.AVGPOOL:
    case OpType.GLOBAL_AVGPOOL:
      return 'pool_mean';
    case OpType.SOFTMAX:
      return 'softmax';
    default:
      throw new Error(`op type ${OpType[type]} takes no knob`);
  }
}
