/** NumPy .npz archives: a zip of .npy members, stored or deflated (np.savez / np.savez_compressed). */
import * as fs from 'node:fs';
import { unzipSync, zipSync } from 'fflate';
import { MobiproxError } from '../errors';
import { refuseFolder, writeFileAtomic } from '../fsutil';
import { NdArray } from './ndarray';
import { encodeNpy, parseNpy } from './npy';

export function readNpz(file: string): Map<string, NdArray> {
  refuseFolder(file, '.npz file');
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new MobiproxError(`Cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? e}. Check the path.`, { file });
  }
  let members: Record<string, Uint8Array>;
  try {
    members = unzipSync(bytes);
  } catch (e) {
    throw new MobiproxError(`${file} is not a usable .npz file: ${(e as Error).message}.`, { file });
  }
  const arrays = new Map<string, NdArray>();
  for (const [name, data] of Object.entries(members)) {
    if (!name.endsWith('.npy')) continue;
    arrays.set(name.slice(0, -4), parseNpy(data, `${file}:${name}`));
  }
  return arrays;
}

export function writeNpz(file: string, arrays: Record<string, NdArray>, compress = false): void {
  const members: Record<string, Uint8Array> = {};
  for (const [name, a] of Object.entries(arrays)) members[`${name}.npy`] = encodeNpy(a);
  writeFileAtomic(file, Buffer.from(zipSync(members, { level: compress ? 6 : 0 })));
}
