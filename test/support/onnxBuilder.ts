/**
 * Builds small ONNX models in tests, through onnx-proto, so that every importer pass and every runtime op
 * can be exercised on graphs made for the purpose.
 *
 *   const b = new OnnxBuilder(13);
 *   const x = b.input('x', [null, 3, 8, 8]);            // null (or a string): a symbolic axis
 *   const w = b.constant('w', [4, 3, 3, 3], values);     // an initializer
 *   const [y] = b.node('Conv', [x, w], { pads: [1, 1, 1, 1] }, 'conv');
 *   b.output(y);
 *   fs.writeFileSync(file, b.build());
 */
import { onnx } from 'onnx-proto';

export type DType = 'float32' | 'int64' | 'int32' | 'bool' | 'float16' | 'uint8';

const ELEM: Record<DType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  int64: onnx.TensorProto.DataType.INT64,
  int32: onnx.TensorProto.DataType.INT32,
  bool: onnx.TensorProto.DataType.BOOL,
  float16: onnx.TensorProto.DataType.FLOAT16,
  uint8: onnx.TensorProto.DataType.UINT8,
};

/** An attribute value forced to FLOAT(S), for values that happen to be whole numbers (alpha: 1). */
export class FloatAttr {
  constructor(readonly value: number | number[]) {}
}
export const float = (value: number | number[]): FloatAttr => new FloatAttr(value);

export type Attr = number | number[] | string | FloatAttr | onnx.ITensorProto;

/** Attributes that ONNX declares as floats, so whole-number values are still written as FLOAT. */
const FLOAT_ATTRS = new Set(['alpha', 'beta', 'epsilon', 'ratio', 'min', 'max', 'momentum', 'gamma', 'value_float', 'value_floats', 'bias', 'lambd', 'scale']);

/** The IR version that came with each opset (ONNX's versioning table). */
function irVersion(opset: number): number {
  if (opset <= 8) return 3;
  if (opset <= 9) return 4;
  if (opset <= 10) return 5;
  if (opset <= 11) return 6;
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}

export function tensorProto(name: string, dims: number[], values: ArrayLike<number>, dtype: DType = 'float32'): onnx.ITensorProto {
  const t: onnx.ITensorProto = { name, dims, dataType: ELEM[dtype] };
  const list = Array.from(values);
  if (dtype === 'float32') t.floatData = list;
  else if (dtype === 'int64') t.rawData = int64Bytes(list);
  else if (dtype === 'float16') t.int32Data = list.map(toHalfBits);
  else t.int32Data = list;
  return t;
}

/** int64 as raw little-endian bytes, exact; numbers beyond the int64 range (2^63 is what JS makes of
 * INT64_MAX) are clamped to it. */
function int64Bytes(values: number[]): Uint8Array {
  const raw = Buffer.alloc(8 * values.length);
  const [min, max] = [-(2n ** 63n), 2n ** 63n - 1n];
  values.forEach((v, i) => {
    const big = BigInt(Math.trunc(v));
    raw.writeBigInt64LE(big > max ? max : big < min ? min : big, 8 * i);
  });
  return raw;
}

function toHalfBits(v: number): number {
  const f = new Float32Array([v]);
  const u = new Uint32Array(f.buffer)[0];
  const sign = (u >>> 16) & 0x8000;
  const exp = ((u >>> 23) & 0xff) - 127 + 15;
  if (exp <= 0) return sign;
  if (exp >= 31) return sign | 0x7c00;
  return sign | (exp << 10) | ((u >>> 13) & 0x3ff);
}

export class OnnxBuilder {
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly initializers: onnx.ITensorProto[] = [];
  private readonly inputs: onnx.IValueInfoProto[] = [];
  private readonly outputs: onnx.IValueInfoProto[] = [];
  private count = 0;

  constructor(
    readonly opset = 13,
    readonly graphName = 'test',
  ) {}

  /** A graph input; null or a string in `dims` is a symbolic axis. Returns its name. */
  input(name: string, dims: (number | string | null)[], dtype: DType = 'float32'): string {
    this.inputs.push(valueInfo(name, dims, dtype));
    return name;
  }

  /** An initializer. Returns its name. */
  constant(name: string, dims: number[], values: ArrayLike<number>, dtype: DType = 'float32'): string {
    return this.initializer(tensorProto(name, dims, values, dtype));
  }

  /** An initializer given as a TensorProto (e.g. with raw_data). Returns its name. */
  initializer(t: onnx.ITensorProto): string {
    this.initializers.push(t);
    return t.name!;
  }

  /** A node; returns the names of its `outputs` outputs (given names, or generated from the node's name). */
  node(op: string, inputs: string[], attrs: Record<string, Attr> = {}, name?: string, outputs: number | string[] = 1): string[] {
    const nodeName = name ?? `${op}_${this.count++}`;
    const outs = typeof outputs === 'number' ? Array.from({ length: outputs }, (_, i) => (i === 0 ? `${nodeName}_out` : `${nodeName}_out${i}`)) : outputs;
    this.nodes.push({
      name: nodeName,
      opType: op,
      input: inputs,
      output: outs,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return outs;
  }

  /** Marks a value as a graph output (float32; dims optional). */
  output(name: string, dims?: (number | string | null)[], dtype: DType = 'float32'): string {
    this.outputs.push(valueInfo(name, dims, dtype));
    return name;
  }

  /** The serialized ModelProto. */
  build(): Uint8Array {
    return onnx.ModelProto.encode({
      irVersion: irVersion(this.opset),
      producerName: 'mobiprox-tests',
      opsetImport: [{ domain: '', version: this.opset }],
      graph: { name: this.graphName, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs },
    }).finish();
  }

  // The same operations under the names of the project brief.
  addInput = this.input;
  addInitializer = this.constant;
  addNode = this.node;
  addOutput = this.output;
  toBytes = this.build;
}

function valueInfo(name: string, dims: (number | string | null)[] | undefined, dtype: DType): onnx.IValueInfoProto {
  const shape = dims && { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d ?? 'N' })) };
  return { name, type: { tensorType: { elemType: ELEM[dtype], ...(shape ? { shape } : {}) } } };
}

function attribute(name: string, v: Attr): onnx.IAttributeProto {
  const AT = onnx.AttributeProto.AttributeType;
  if (v instanceof FloatAttr) {
    return Array.isArray(v.value) ? { name, type: AT.FLOATS, floats: v.value } : { name, type: AT.FLOAT, f: v.value };
  }
  if (typeof v === 'string') return { name, type: AT.STRING, s: Buffer.from(v, 'utf8') };
  if (typeof v === 'number') {
    return FLOAT_ATTRS.has(name) || !Number.isInteger(v) ? { name, type: AT.FLOAT, f: v } : { name, type: AT.INT, i: v };
  }
  if (Array.isArray(v)) {
    return FLOAT_ATTRS.has(name) || v.some((x) => !Number.isInteger(x)) ? { name, type: AT.FLOATS, floats: v } : { name, type: AT.INTS, ints: v };
  }
  return { name, type: AT.TENSOR, t: v };
}
