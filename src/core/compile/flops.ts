import { elementCount } from '../onnx/graph';
import { OpType, SlotPart } from './formatTable';
import { Program, Slot } from './program';

/**
 * Per-sample FLOPs of one approximation slot, as the cost model counts them (src/core/DESIGN.md §3): convolution
 * C_in·C_out·H_out·W_out·KH·KW / groups, linear in·out, pooling the input size, anything else (including a
 * fused bias add or activation) the output size.
 */
export function slotFlops(program: Omit<Program, 'layers'>, slot: Slot): number {
  const op = program.ops[slot.op];
  const dims = (id: number): number[] => program.tensors[id].dims;
  const out = dims(op.outputs[0]);
  if (slot.part !== SlotPart.Op) return elementCount(out);
  switch (op.type) {
    case OpType.CONV: {
      const [group, kh, kw] = op.iattrs;
      const cin = dims(op.inputs[0])[0];
      return (cin * out[0] * out[1] * out[2] * kh * kw) / group;
    }
    case OpType.DENSE: {
      const x = dims(op.inputs[0]);
      return elementCount(x) * out[out.length - 1];
    }
    case OpType.MATMUL: {
      const x = dims(op.inputs[0]);
      return elementCount(out) * x[x.length - 1];
    }
    case OpType.MAXPOOL:
    case OpType.AVGPOOL:
    case OpType.GLOBAL_AVGPOOL:
    case OpType.GLOBAL_MAXPOOL:
      return elementCount(dims(op.inputs[0]));
    default:
      return elementCount(out);
  }
}
