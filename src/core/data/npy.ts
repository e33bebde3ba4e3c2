/**
 * NumPy .npy files (format versions 1–3): little-endian float32/float64/int32/int64/uint8 in C order.
 * Anything else is refused with a message that names the file and what to convert it to.
 */
import * as fs from 'node:fs';
import { MobiproxError } from '../errors';
import { refuseFolder, writeFileAtomic } from '../fsutil';
import { DType, NdArray, TypedData, elementCount } from './ndarray';

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY

const DESCR: Record<string, DType> = {
  '<f4': 'float32', '<f8': 'float64', '<i4': 'int32', '<i8': 'int64', '|u1': 'uint8', '<u1': 'uint8',
};
const DESCR_OF: Record<DType, string> = {
  float32: '<f4', float64: '<f8', int32: '<i4', int64: '<i8', uint8: '|u1',
};
const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, int64: 8, uint8: 1 };

export function readNpy(file: string): NdArray {
  refuseFolder(file, '.npy file');
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new MobiproxError(`Cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? e}. Check the path.`, { file });
  }
  return parseNpy(bytes, file);
}

export function parseNpy(bytes: Uint8Array, file = '<buffer>'): NdArray {
  const fail = (why: string) => new MobiproxError(`${file} is not a usable .npy file: ${why}.`, { file });
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC)) throw fail('it does not start with the NumPy magic');
  const major = buf[6];
  if (major < 1 || major > 3) throw fail(`format version ${major} is unknown`);
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.length >= 12 ? buf.readUInt32LE(8) : -1;
  const headerStart = major === 1 ? 10 : 12;
  if (headerLen < 0 || headerStart + headerLen > buf.length) throw fail('the header is truncated');
  const header = buf.toString(major === 3 ? 'utf8' : 'latin1', headerStart, headerStart + headerLen);

  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw fail('the header is malformed');
  const dtype = DESCR[descr];
  if (!dtype) {
    throw fail(`dtype '${descr}' is not supported; save it as float32, float64, int32, int64 or uint8 (little-endian)`);
  }
  if (fortran === 'True') throw fail('it is in Fortran order; save it with np.ascontiguousarray');
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw fail(`shape (${shapeText}) is invalid`);

  const count = elementCount(shape);
  const start = headerStart + headerLen;
  const size = count * BYTES[dtype];
  if (buf.length - start < size) {
    throw fail(`shape (${shape.join(', ')}) needs ${size} data bytes but the file has ${buf.length - start}`);
  }
  // Copy so that the typed array is aligned and owns its memory.
  const data = buf.subarray(start, start + size);
  const aligned = new Uint8Array(size);
  aligned.set(data);
  return { dtype, shape, data: view(dtype, aligned.buffer) };
}

function view(dtype: DType, b: ArrayBuffer): TypedData {
  switch (dtype) {
    case 'float32': return new Float32Array(b);
    case 'float64': return new Float64Array(b);
    case 'int32': return new Int32Array(b);
    case 'int64': return new BigInt64Array(b);
    case 'uint8': return new Uint8Array(b);
  }
}

export function encodeNpy(a: NdArray): Buffer {
  if (elementCount(a.shape) !== a.data.length) {
    throw new MobiproxError(`Array of shape (${a.shape.join(', ')}) has ${a.data.length} elements.`);
  }
  const shape = a.shape.length === 1 ? `(${a.shape[0]},)` : `(${a.shape.join(', ')})`;
  let header = `{'descr': '${DESCR_OF[a.dtype]}', 'fortran_order': False, 'shape': ${shape}, }`;
  // Pad so that the data starts at a multiple of 64 bytes, as NumPy does; the header ends with '\n'.
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const head = Buffer.alloc(10);
  MAGIC.copy(head, 0);
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  const data = Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), data]);
}

export function writeNpy(file: string, a: NdArray): void {
  writeFileAtomic(file, encodeNpy(a));
}
