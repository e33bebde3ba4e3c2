import { MobiproxError } from '../errors';

/**
 * The importer's graph IR: ONNX nodes over named values, where a value is either a constant tensor or an
 * activation with a known per-sample shape (the batch axis 0 is symbolic and not stored, as in .mpxm).
 * Passes rewrite it in place; node order is always topological.
 */

/** Constant data. Integers are exact up to 2^53 and saturate beyond (only "to the end" sentinels of Slice
 * get there); NaN in an integer tensor stands for the symbolic batch size, e.g. the result of Shape(x)[0]. */
export interface Tensor {
  type: 'float' | 'int';
  dims: number[];
  data: Float64Array;
}

export type AttrValue = number | number[] | string | Tensor;

/** What a fused node absorbed, so that layers can name the approximation steps (bias add, activation). */
export interface Fusion {
  bias?: string;
  activation?: string;
}

export interface Node {
  name: string;
  op: string;
  /** Value names; '' marks an absent optional input. */
  inputs: string[];
  outputs: string[];
  attrs: Record<string, AttrValue>;
  fused?: Fusion;
}

export class Graph {
  readonly nodes: Node[] = [];
  readonly constants = new Map<string, Tensor>();
  /** Per-sample shapes of activations (the graph input and node outputs). */
  readonly shapes = new Map<string, number[]>();
  input = '';
  /** The batch size the input declares, when it is a number rather than symbolic (Reshape may name it). */
  inputBatch?: number;
  outputs: string[] = [];

  constructor(
    readonly name: string,
    readonly opset: number,
  ) {}

  isConstant(value: string): boolean {
    return this.constants.has(value);
  }

  constant(value: string): Tensor | undefined {
    return this.constants.get(value);
  }

  /** The per-sample shape of an activation, failing with the node that needs it. */
  shape(value: string, node?: Node): number[] {
    const shape = this.shapes.get(value);
    if (!shape) {
      throw new MobiproxError(`The shape of '${value}'${node ? ` (input of node '${node.name}')` : ''} is unknown.`, {
        node: node?.name,
        value,
      });
    }
    return shape;
  }

  producer(value: string): Node | undefined {
    return this.nodes.find((n) => n.outputs.includes(value));
  }

  consumers(value: string): Node[] {
    return this.nodes.filter((n) => n.inputs.includes(value));
  }

  /** True when exactly one node reads the value and it is not a graph output: it may be fused away. */
  hasSingleUse(value: string): boolean {
    return !this.outputs.includes(value) && this.consumers(value).length === 1;
  }

  /** Makes every reader of `from` (nodes and graph outputs) read `to` instead. */
  replaceUses(from: string, to: string): void {
    for (const n of this.nodes) n.inputs = n.inputs.map((v) => (v === from ? to : v));
    this.outputs = this.outputs.map((v) => (v === from ? to : v));
  }

  remove(node: Node): void {
    const i = this.nodes.indexOf(node);
    if (i >= 0) this.nodes.splice(i, 1);
  }

  /**
   * Removes a node whose output equals its input `input`. When the output is a graph output, the name that
   * users see is kept by renaming the input's producer instead.
   */
  bypass(node: Node, input: string = node.inputs[0]): void {
    const output = node.outputs[0];
    this.remove(node);
    const producer = this.producer(input);
    if (this.outputs.includes(output) && producer && !this.outputs.includes(input)) {
      producer.outputs = producer.outputs.map((v) => (v === input ? output : v));
      for (const n of this.nodes) n.inputs = n.inputs.map((v) => (v === input ? output : v));
      const shape = this.shapes.get(input);
      if (shape) this.shapes.set(output, shape);
      return;
    }
    this.replaceUses(output, input);
  }

  /** A value or node name not yet used in the graph, derived from `base`. */
  freshName(base: string): string {
    const used = new Set<string>([this.input, ...this.constants.keys(), ...this.shapes.keys()]);
    for (const n of this.nodes) {
      used.add(n.name);
      for (const v of n.outputs) used.add(v);
    }
    if (!used.has(base)) return base;
    for (let i = 1; ; i++) if (!used.has(`${base}_${i}`)) return `${base}_${i}`;
  }

  addConstant(base: string, tensor: Tensor): string {
    const name = this.freshName(base);
    this.constants.set(name, tensor);
    return name;
  }

  /** Inserts a node just before `before` (or at the end), keeping the order topological. */
  insertBefore(before: Node | undefined, node: Node): void {
    const i = before ? this.nodes.indexOf(before) : -1;
    if (i < 0) this.nodes.push(node);
    else this.nodes.splice(i, 0, node);
  }
}

export function tensor(type: Tensor['type'], dims: number[], values: ArrayLike<number>): Tensor {
  return { type, dims: [...dims], data: Float64Array.from(values) };
}

/** The most elements an activation may hold per sample: the runtime's limit of 1 GiB of float32
 * (MPX_MAX_SAMPLE_BYTES, native-runtime/src/model.h), checked here so that the node is named. */
export const MAX_SAMPLE_ELEMENTS = 2 ** 28;

export function elementCount(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

// ---- attributes ---------------------------------------------------------------------------------------

function missing(node: Node, name: string): never {
  throw new MobiproxError(`Node '${node.name}' (${node.op}) lacks the required attribute '${name}'.`, {
    node: node.name,
  });
}

function wrongType(node: Node, name: string, expected: string): never {
  throw new MobiproxError(`Attribute '${name}' of node '${node.name}' (${node.op}) should be ${expected}.`, {
    node: node.name,
    value: node.attrs[name],
  });
}

export function attrInt(node: Node, name: string, fallback?: number): number {
  const v = node.attrs[name];
  if (v === undefined) return fallback ?? missing(node, name);
  if (typeof v !== 'number') wrongType(node, name, 'a number');
  return v;
}

export const attrFloat = attrInt;

export function attrInts(node: Node, name: string, fallback?: number[]): number[] {
  const v = node.attrs[name];
  if (v === undefined) return fallback ?? missing(node, name);
  if (typeof v === 'number') return [v];
  if (!Array.isArray(v)) wrongType(node, name, 'a list of numbers');
  return v;
}

export function attrString(node: Node, name: string, fallback?: string): string {
  const v = node.attrs[name];
  if (v === undefined) return fallback ?? missing(node, name);
  if (typeof v !== 'string') wrongType(node, name, 'a string');
  return v;
}
