/**
 * The compiled network as the .mpxm file holds it (native-runtime/FORMAT.md): a tensor table, ops with
 * integer and float attributes in execution order, and layers of approximation slots. The codes are those of
 * formatTable.ts, generated from native-runtime/format.tsv.
 */
import { OpType, SLOT_KINDS, SlotPart } from './formatTable';

/** Ops that only move data: they take no knob and belong to no layer. */
export const DATA_MOVEMENT: ReadonlySet<OpType> = new Set([
  OpType.RESHAPE,
  OpType.TRANSPOSE,
  OpType.CONCAT,
  OpType.PAD,
  OpType.SLICE,
]);

export interface ProgramTensor {
  name: string;
  kind: 'activation' | 'constant';
  /** Per-sample dims for activations, full dims for constants. */
  dims: number[];
  data?: Float32Array;
}

export interface ProgramOp {
  type: OpType;
  name: string;
  /** Tensor ids; -1 for an absent optional input. */
  inputs: number[];
  outputs: number[];
  iattrs: number[];
  fattrs: number[];
}

/** HPVM op names of layer slots (their codes: SLOT_KINDS). */
export type SlotKind = keyof typeof SLOT_KINDS;

export interface Slot {
  kind: SlotKind;
  part: SlotPart;
  /** Index of the op in the program. */
  op: number;
  /** The ONNX node the step came from. */
  node: string;
}

export interface Program {
  tensors: ProgramTensor[];
  inputs: number[];
  outputs: number[];
  ops: ProgramOp[];
  layers: Slot[][];
}
