import * as fs from 'node:fs';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import { MobiproxError } from '../errors';
import { AttrValue, Graph, MAX_SAMPLE_ELEMENTS, Node, Tensor, elementCount } from './graph';

/** The default-domain opsets the importer knows. */
export const MIN_OPSET = 7;
export const MAX_OPSET = 21;

/**
 * Reads an ONNX model (a path or the file's bytes) into the graph IR: initializers and Constant nodes become
 * constants, the single non-constant graph input becomes the activation input with its per-sample shape.
 */
export function loadOnnx(source: string | Uint8Array, name?: string): Graph {
  const file = typeof source === 'string' ? source : undefined;
  const bytes = typeof source === 'string' ? readModelFile(source) : source;
  const label = file ?? name ?? 'the model';
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new MobiproxError(`${label} is not an ONNX model (${(e as Error).message}).`, { file });
  }
  if (!model.graph || !model.graph.node || model.graph.node.length === 0) {
    throw new MobiproxError(`${label} is not an ONNX model: it has no graph nodes.`, { file });
  }
  const opset = defaultOpset(model, label, file);
  const graph = new Graph(name ?? modelName(file, model), opset);
  const g = model.graph as onnx.GraphProto;

  for (const init of g.initializer as onnx.TensorProto[]) graph.constants.set(init.name, decodeTensor(init, label));
  for (const n of g.node as onnx.NodeProto[]) {
    const node: Node = {
      name: n.name || `${n.opType}_${graph.nodes.length}`,
      op: n.domain && n.domain !== 'ai.onnx' ? `${n.domain}.${n.opType}` : n.opType,
      inputs: [...n.input],
      outputs: [...n.output],
      attrs: {},
    };
    for (const a of n.attribute as onnx.AttributeProto[]) node.attrs[a.name] = decodeAttribute(a, node, label);
    graph.nodes.push(node);
  }

  const inputs = (g.input as onnx.ValueInfoProto[]).filter((i) => !graph.constants.has(i.name));
  if (inputs.length !== 1) {
    throw new MobiproxError(
      `${label} has ${inputs.length} graph inputs (${inputs.map((i) => i.name).join(', ') || 'none'}); Mobiprox compiles models with exactly one input.`,
      { file },
    );
  }
  graph.input = inputs[0].name;
  graph.shapes.set(graph.input, perSampleInputShape(inputs[0], label, file));
  const batch = inputs[0].type?.tensorType?.shape?.dim?.[0]?.dimValue;
  if (batch) graph.inputBatch = toNumber(batch);
  graph.outputs = (g.output as onnx.ValueInfoProto[]).map((o) => o.name);
  return graph;
}

/** The bytes of a model file; a missing, unreadable or empty file, or a folder, is the user's to fix. */
export function readModelFile(file: string): Uint8Array {
  if (!fs.existsSync(file)) throw new MobiproxError(`The model file ${file} does not exist.`, { file });
  if (fs.statSync(file).isDirectory()) throw new MobiproxError(`The model path ${file} is a folder; give the .onnx file.`, { file });
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new MobiproxError(`Cannot read the model file ${file}: ${(e as Error).message}`, { file });
  }
  if (bytes.length === 0) throw new MobiproxError(`The model file ${file} is empty.`, { file });
  return bytes;
}

function modelName(file: string | undefined, model: onnx.ModelProto): string {
  if (file) return path.basename(file).replace(/\.onnx$/i, '');
  return model.graph?.name || 'model';
}

function defaultOpset(model: onnx.ModelProto, label: string, file?: string): number {
  const entry = model.opsetImport.find((o) => !o.domain || o.domain === 'ai.onnx');
  if (!entry) throw new MobiproxError(`${label} does not import the default ONNX operator set.`, { file });
  const version = toNumber(entry.version ?? 0);
  if (version < MIN_OPSET || version > MAX_OPSET) {
    throw new MobiproxError(
      `${label} uses ONNX opset ${version}; Mobiprox supports opsets ${MIN_OPSET} to ${MAX_OPSET}. Convert it with onnx.version_converter.`,
      { file, value: version },
    );
  }
  return version;
}

function perSampleInputShape(input: onnx.IValueInfoProto, label: string, file?: string): number[] {
  const type = input.type?.tensorType;
  if (!type || (type.elemType ?? 0) !== onnx.TensorProto.DataType.FLOAT) {
    throw new MobiproxError(`Input '${input.name}' of ${label} is not a float32 tensor.`, { file, value: input.name });
  }
  const dims = type.shape?.dim ?? [];
  if (dims.length < 2) {
    throw new MobiproxError(
      `Input '${input.name}' of ${label} needs a batch axis and at least one more axis, but has rank ${dims.length}.`,
      { file, value: input.name },
    );
  }
  const shape = dims.slice(1).map((d, i) => {
    const v = d.dimValue === undefined || d.dimValue === null ? 0 : toNumber(d.dimValue);
    if (!(v >= 1)) {
      throw new MobiproxError(
        `Axis ${i + 1} of input '${input.name}' in ${label} has no fixed size (${d.dimParam || '?'}); only the batch axis may be symbolic.`,
        { file, value: input.name },
      );
    }
    return v;
  });
  if (elementCount(shape) > MAX_SAMPLE_ELEMENTS) {
    throw new MobiproxError(
      `Input '${input.name}' of ${label} has samples of shape [${shape.join(', ')}], more than ${MAX_SAMPLE_ELEMENTS} elements (the runtime's 1 GiB limit per sample).`,
      { file, value: shape },
    );
  }
  return shape;
}

/** int64 as a JS number: exact within the safe range, saturating beyond it (see Tensor). */
export function toNumber(v: number | { toString(): string } | bigint): number {
  if (typeof v === 'number') return v;
  const big = typeof v === 'bigint' ? v : BigInt(v.toString());
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  if (big > max) return Number.MAX_SAFE_INTEGER;
  if (big < -max) return -Number.MAX_SAFE_INTEGER;
  return Number(big);
}

const DT = onnx.TensorProto.DataType;
const FLOAT_TYPES = new Set<number>([DT.FLOAT, DT.DOUBLE, DT.FLOAT16, DT.BFLOAT16]);
const INT_TYPES = new Set<number>([DT.UINT8, DT.INT8, DT.UINT16, DT.INT16, DT.INT32, DT.INT64, DT.BOOL, DT.UINT32, DT.UINT64]);

export function decodeTensor(t: onnx.ITensorProto, label: string): Tensor {
  const name = t.name ?? '';
  const dataType = t.dataType ?? 0;
  const dims = (t.dims ?? []).map(toNumber);
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    throw new MobiproxError(`Tensor '${name}' of ${label} stores its data in an external file; save the model with its data inside.`, { value: name });
  }
  if (!FLOAT_TYPES.has(dataType) && !INT_TYPES.has(dataType)) {
    throw new MobiproxError(`Tensor '${name}' of ${label} has data type ${DT[dataType] ?? dataType}, which Mobiprox does not read.`, { value: name });
  }
  const count = elementCount(dims);
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : undefined;
  const values = raw ? decodeRaw(raw, dataType) : decodeTyped(t, dataType);
  if (values.length !== count) {
    throw new MobiproxError(`Tensor '${name}' of ${label} holds ${values.length} values for shape [${dims.join(', ')}].`, { value: name });
  }
  const isFloat = FLOAT_TYPES.has(dataType);
  const data = Float64Array.from(values, (v) => (isFloat ? Math.fround(v) : v));
  return { type: isFloat ? 'float' : 'int', dims, data };
}

function decodeTyped(t: onnx.ITensorProto, dataType: number): ArrayLike<number> {
  switch (dataType) {
    case DT.FLOAT:
      return t.floatData ?? [];
    case DT.DOUBLE:
      return t.doubleData ?? [];
    case DT.INT64:
      return (t.int64Data ?? []).map(toNumber);
    case DT.UINT32:
    case DT.UINT64:
      return (t.uint64Data ?? []).map(toNumber);
    case DT.FLOAT16:
      return (t.int32Data ?? []).map(halfToFloat);
    case DT.BFLOAT16:
      return (t.int32Data ?? []).map((b) => new Float32Array(new Uint32Array([b << 16]).buffer)[0]);
    default:
      return t.int32Data ?? [];
  }
}

function decodeRaw(raw: Uint8Array, dataType: number): number[] {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const read = (size: number, get: (offset: number) => number): number[] =>
    Array.from({ length: Math.floor(raw.byteLength / size) }, (_, i) => get(i * size));
  switch (dataType) {
    case DT.FLOAT:
      return read(4, (o) => view.getFloat32(o, true));
    case DT.DOUBLE:
      return read(8, (o) => view.getFloat64(o, true));
    case DT.FLOAT16:
      return read(2, (o) => halfToFloat(view.getUint16(o, true)));
    case DT.BFLOAT16:
      return read(2, (o) => new Float32Array(new Uint32Array([view.getUint16(o, true) << 16]).buffer)[0]);
    case DT.INT64:
      return read(8, (o) => toNumber(view.getBigInt64(o, true)));
    case DT.UINT64:
      return read(8, (o) => toNumber(view.getBigUint64(o, true)));
    case DT.INT32:
      return read(4, (o) => view.getInt32(o, true));
    case DT.UINT32:
      return read(4, (o) => view.getUint32(o, true));
    case DT.INT16:
      return read(2, (o) => view.getInt16(o, true));
    case DT.UINT16:
      return read(2, (o) => view.getUint16(o, true));
    case DT.INT8:
      return read(1, (o) => view.getInt8(o));
    default: // UINT8, BOOL
      return read(1, (o) => view.getUint8(o));
  }
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

const AT = onnx.AttributeProto.AttributeType;

function decodeAttribute(a: onnx.IAttributeProto, node: Node, label: string): AttrValue {
  const text = (s: Uint8Array | null | undefined): string => Buffer.from(s ?? []).toString('utf8');
  switch (a.type) {
    case AT.FLOAT:
      return a.f ?? 0;
    case AT.INT:
      return toNumber(a.i ?? 0);
    case AT.STRING:
      return text(a.s);
    case AT.TENSOR:
      return decodeTensor(a.t ?? {}, label);
    case AT.FLOATS:
      return [...(a.floats ?? [])];
    case AT.INTS:
      return (a.ints ?? []).map(toNumber);
    default:
      throw new MobiproxError(
        `Attribute '${a.name}' of node '${node.name}' (${node.op}) has type ${AT[a.type ?? 0] ?? a.type}, which Mobiprox does not read.`,
        { node: node.name },
      );
  }
}
