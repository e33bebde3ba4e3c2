/**
 * The compiled network as the .mpxm file holds it (native-runtime/FORMAT.md): a tensor table, ops with
 * integer and float attributes in execution order, and layers of approximation slots.
 */

/** Op type codes of FORMAT.md. */
export enum OpType {
  CONV = 1,
  DENSE = 2,
  MATMUL = 3,
  ADD = 4,
  SUB = 5,
  MUL = 6,
  DIV = 7,
  AFFINE = 8,
  RELU = 9,
  CLIP = 10,
  LEAKY_RELU = 11,
  SIGMOID = 12,
  TANH = 13,
  MAXPOOL = 14,
  AVGPOOL = 15,
  GLOBAL_AVGPOOL = 16,
  GLOBAL_MAXPOOL = 17,
  RESHAPE = 18,
  TRANSPOSE = 19,
  CONCAT = 20,
  PAD = 21,
  SLICE = 22,
  SOFTMAX = 23,
}

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

/** HPVM op names of layer slots, with their FORMAT.md codes. */
export const SLOT_KINDS = {
  conv: 1,
  group_conv: 2,
  mul: 3,
  add: 4,
  relu: 5,
  tanh: 6,
  pool_max: 7,
  pool_mean: 8,
  softmax: 9,
  batchnorm: 10,
  sub: 11,
  emul: 12,
  div: 13,
  sigmoid: 14,
  clip: 15,
  leaky_relu: 16,
} as const;

export type SlotKind = keyof typeof SLOT_KINDS;

/** The step of an op a slot controls: the op itself, its fused bias add, or its fused activation. */
export enum SlotPart {
  Op = 0,
  Bias = 1,
  Activation = 2,
}

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
