import { crc32 } from 'node:zlib';
import { MobiproxError } from '../errors';
import { Program, SLOT_KINDS } from './program';

/** The .mpxm writer: the exact byte layout of native-runtime/FORMAT.md, version 1. */

export const MPXM_VERSION = 1;
export const HEADER_SIZE = 48;
const ABSENT = 0xffffffff;
const MAX_RANK = 8;

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

export function writeMpxm(program: Program): Buffer {
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
  w.bytes(Buffer.from('MPXM', 'ascii'));
  w.u32(MPXM_VERSION);
  w.u32(0); // file_size, patched below
  w.u32(program.tensors.length);
  w.u32(program.ops.length);
  w.u32(program.layers.length);
  w.u32(program.inputs.length);
  w.u32(program.outputs.length);
  w.u32(strings.size);
  w.u32(0);
  w.u64(weightsSize);
  w.bytes(strings.bytes());

  program.tensors.forEach((t, id) => {
    if (t.dims.length > MAX_RANK) throw new MobiproxError(`Tensor '${t.name}' has rank ${t.dims.length}; .mpxm allows at most ${MAX_RANK}.`, { value: t.name });
    w.u32(strings.offset(t.name));
    w.u8(t.kind === 'constant' ? 1 : 0);
    w.u8(0);
    w.u8(t.dims.length);
    w.u8(0);
    for (const d of t.dims) w.u32(d, `size of an axis of tensor '${t.name}'`);
    if (t.kind === 'constant') w.u64(weightOffsets.get(id)!);
  });
  for (const id of program.inputs) w.u32(id);
  for (const id of program.outputs) w.u32(id);

  for (const op of program.ops) {
    w.u16(op.type);
    w.u16(0);
    w.u32(strings.offset(op.name));
    w.u8(byteLength(op.inputs.length, `inputs of op '${op.name}'`));
    w.u8(byteLength(op.outputs.length, `outputs of op '${op.name}'`));
    w.u8(byteLength(op.iattrs.length, `integer attributes of op '${op.name}'`));
    w.u8(byteLength(op.fattrs.length, `float attributes of op '${op.name}'`));
    for (const id of op.inputs) w.u32(id < 0 ? ABSENT : id);
    for (const id of op.outputs) w.u32(id);
    for (const v of op.iattrs) w.i32(v, `integer attribute of op '${op.name}'`);
    for (const v of op.fattrs) w.f32(v);
  }

  for (const slots of program.layers) {
    if (slots.length < 1 || slots.length > 8) throw new MobiproxError(`A layer has ${slots.length} slots; .mpxm allows 1 to 8.`, { value: slots.length });
    w.u8(slots.length);
    w.zeros(3);
    for (const s of slots) {
      w.u8(SLOT_KINDS[s.kind]);
      w.u8(s.part);
      w.u16(0);
      w.u32(s.op);
    }
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
  w.patchU32(8, fileSize);
  const body = w.result();
  w.u32(crc32(body));
  return Buffer.from(w.result());
}
