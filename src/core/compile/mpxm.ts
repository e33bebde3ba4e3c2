import { crc32 } from 'node:zlib';
import { MobiproxError } from '../errors';
import {
  DTYPES, MPXM_ABSENT, MPXM_MAGIC, MPXM_MAX_OPS, MPXM_MAX_RANK, MPXM_MAX_SLOTS, MPXM_MAX_TENSORS, MPXM_VERSION, OP_FORMATS, OpType, RECORDS, SLOT_KINDS, TENSOR_KINDS,
} from './formatTable';
import { Program, ProgramOp } from './program';

/**
 * The .mpxm writer: the byte layout of native-runtime/FORMAT.md. The codes, the limits and the fields of each
 * record's fixed part come from formatTable.ts, generated from native-runtime/format.tsv like the C loader's.
 */

type RecordName = keyof typeof RECORDS;
type FieldOf<R extends RecordName> = (typeof RECORDS)[R][number]['field'];
/** A record's values: every field but the reserved ones, which are 0. */
type RecordValues<R extends RecordName> = Record<Exclude<FieldOf<R>, `reserved${string}`>, number | string>;

const align16 = (n: number): number => (n + 15) & ~15;

class Writer {
  private buf = Buffer.alloc(1 << 16);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const bigger = Buffer.alloc(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(bigger, 0, 0, this.length);
    this.buf = bigger;
  }
  u8(v: number): void {
    this.reserve(1);
    this.buf.writeUInt8(v, this.length);
    this.length += 1;
  }
  u16(v: number): void {
    this.reserve(2);
    this.buf.writeUInt16LE(v, this.length);
    this.length += 2;
  }
  u32(v: number, what = 'value'): void {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
      throw new MobiproxError(`The ${what} is ${v}, which the .mpxm format cannot store (32-bit unsigned).`, { value: v });
    }
    this.reserve(4);
    this.buf.writeUInt32LE(v >>> 0, this.length);
    this.length += 4;
  }
  i32(v: number, what: string): void {
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) {
      throw new MobiproxError(`The ${what} is ${v}, which the .mpxm format cannot store (32-bit integers).`, { value: v });
    }
    this.reserve(4);
    this.buf.writeInt32LE(v, this.length);
    this.length += 4;
  }
  f32(v: number): void {
    this.reserve(4);
    this.buf.writeFloatLE(v, this.length);
    this.length += 4;
  }
  u64(v: number): void {
    this.reserve(8);
    this.buf.writeBigUInt64LE(BigInt(v), this.length);
    this.length += 8;
  }
  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  zeros(n: number): void {
    this.reserve(n);
    this.buf.fill(0, this.length, this.length + n);
    this.length += n;
  }
  /** The fixed part of record `name`, field by field in the table's order. */
  record<R extends RecordName>(name: R, values: RecordValues<R>, label: string): void {
    for (const { field, type } of RECORDS[name] as readonly { field: string; type: string }[]) {
      const v = (values as Record<string, number | string>)[field] ?? 0;
      if (type === 'char4') this.bytes(Buffer.from(String(v), 'ascii'));
      else if (type === 'u8') this.u8(byteLength(Number(v), `${field.replace(/_/g, ' ')} of ${label}`));
      else if (type === 'u16') this.u16(Number(v));
      else if (type === 'u32') this.u32(Number(v), `${field.replace(/_/g, ' ')} of ${label}`);
      else this.u64(Number(v));
    }
  }
  patchU32(at: number, v: number): void {
    this.buf.writeUInt32LE(v >>> 0, at);
  }
  result(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

class StringTable {
  private readonly offsets = new Map<string, number>();
  private readonly parts: Buffer[] = [];
  size = 0;

  offset(s: string): number {
    const known = this.offsets.get(s);
    if (known !== undefined) return known;
    const bytes = Buffer.from(`${s}\0`, 'utf8');
    this.offsets.set(s, this.size);
    this.parts.push(bytes);
    this.size += bytes.length;
    return this.offsets.get(s)!;
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

function byteLength(count: number, what: string, limit = 255): number {
  if (count > limit) throw new MobiproxError(`The compiled model has ${count} ${what}, more than the .mpxm format allows (${limit}).`, { value: count });
  return count;
}

/** The op's inputs, outputs and attribute counts are those the format gives its type: else the loader would refuse the file. */
function checkOp(program: Program, op: ProgramOp): void {
  const f = OP_FORMATS[op.type];
  const fail = (what: string) => {
    throw new MobiproxError(`The compiler wrote op '${op.name}' (${OpType[op.type]}) with ${what} (native-runtime/format.tsv); this is a bug in Mobiprox.`, { value: op.name });
  };
  if (op.inputs.length < f.minIn || op.inputs.length > f.maxIn) fail(`${op.inputs.length} inputs, the format allows ${f.minIn} to ${f.maxIn}`);
  if (op.outputs.length !== 1) fail(`${op.outputs.length} outputs, the format has 1`);
  if (f.optionalAct && op.iattrs.length === 0 && op.fattrs.length === 0) return;
  const fullRank = (program.tensors[op.inputs[0]]?.dims.length ?? 0) + 1;
  const iattrs = f.nIattr >= 0 ? f.nIattr : -f.nIattr * fullRank;
  if (op.iattrs.length !== iattrs) fail(`${op.iattrs.length} integer attributes, the format has ${iattrs}`);
  if (op.fattrs.length !== f.nFattr) fail(`${op.fattrs.length} float attributes, the format has ${f.nFattr}`);
}

export function writeMpxm(program: Program): Buffer {
  for (const [count, what, limit] of [[program.tensors.length, 'tensors', MPXM_MAX_TENSORS], [program.ops.length, 'ops', MPXM_MAX_OPS]] as const) {
    if (count > limit) throw new MobiproxError(`The compiled model has ${count} ${what}, more than the .mpxm format allows (${limit}).`, { value: count });
  }
  const strings = new StringTable();
  for (const t of program.tensors) strings.offset(t.name);
  for (const op of program.ops) strings.offset(op.name);

  // Weights: each constant 16-byte aligned within the weights part.
  const weightOffsets = new Map<number, number>();
  let weightsSize = 0;
  program.tensors.forEach((t, id) => {
    if (t.kind !== 'constant') return;
    weightOffsets.set(id, weightsSize);
    weightsSize = align16(weightsSize + 4 * t.data!.length);
  });

  const w = new Writer();
  w.record('header', {
    magic: MPXM_MAGIC,
    version: MPXM_VERSION,
    file_size: 0, // patched below
    n_tensors: program.tensors.length,
    n_ops: program.ops.length,
    n_layers: program.layers.length,
    n_inputs: program.inputs.length,
    n_outputs: program.outputs.length,
    strings_size: strings.size,
    weights_size: weightsSize,
  }, 'the header');
  w.bytes(strings.bytes());

  program.tensors.forEach((t, id) => {
    if (t.dims.length > MPXM_MAX_RANK) throw new MobiproxError(`Tensor '${t.name}' has rank ${t.dims.length}; .mpxm allows at most ${MPXM_MAX_RANK}.`, { value: t.name });
    w.record('tensor', { name: strings.offset(t.name), kind: TENSOR_KINDS[t.kind], dtype: DTYPES.float32, rank: t.dims.length }, `tensor '${t.name}'`);
    for (const d of t.dims) w.u32(d, `size of an axis of tensor '${t.name}'`);
    if (t.kind === 'constant') w.u64(weightOffsets.get(id)!);
  });
  for (const id of program.inputs) w.u32(id);
  for (const id of program.outputs) w.u32(id);

  for (const op of program.ops) {
    checkOp(program, op);
    w.record('op', {
      type: op.type,
      name: strings.offset(op.name),
      n_in: op.inputs.length,
      n_out: op.outputs.length,
      n_iattr: op.iattrs.length,
      n_fattr: op.fattrs.length,
    }, `op '${op.name}'`);
    for (const id of op.inputs) w.u32(id < 0 ? MPXM_ABSENT : id);
    for (const id of op.outputs) w.u32(id);
    for (const v of op.iattrs) w.i32(v, `integer attribute of op '${op.name}'`);
    for (const v of op.fattrs) w.f32(v);
  }

  for (const slots of program.layers) {
    if (slots.length < 1 || slots.length > MPXM_MAX_SLOTS) {
      throw new MobiproxError(`A layer has ${slots.length} slots; .mpxm allows 1 to ${MPXM_MAX_SLOTS}.`, { value: slots.length });
    }
    w.record('layer', { n_slots: slots.length }, 'a layer');
    for (const s of slots) w.record('slot', { kind: SLOT_KINDS[s.kind], part: s.part, op: s.op }, `a slot of op ${s.op}`);
  }

  w.zeros(align16(w.length) - w.length);
  const weightsStart = w.length;
  program.tensors.forEach((t, id) => {
    if (t.kind !== 'constant') return;
    w.zeros(weightsStart + weightOffsets.get(id)! - w.length);
    w.bytes(new Uint8Array(Float32Array.from(t.data!).buffer));
  });
  w.zeros(weightsStart + weightsSize - w.length);

  const fileSize = w.length + 4;
  if (fileSize > 0xffffffff) throw new MobiproxError(`The compiled model would be ${fileSize} bytes; .mpxm files are limited to 4 GiB.`, { value: fileSize });
  w.patchU32(RECORDS.header.find((f) => f.field === 'file_size')!.offset, fileSize);
  const body = w.result();
  w.u32(crc32(body));
  return Buffer.from(w.result());
}
