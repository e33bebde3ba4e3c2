import * as fs from 'node:fs';
import * as path from 'node:path';
import { MobiproxError } from './errors';

/** Refuses a folder where the user should give a file: reading it would only say EISDIR. */
export function refuseFolder(file: string, expected: string): void {
  let folder = false;
  try {
    folder = fs.statSync(file).isDirectory();
  } catch {
    return; // a missing or unreadable path is named by its reader
  }
  if (folder) throw new MobiproxError(`${file} is a folder; give the ${expected}.`, { file });
}

/** Writes through a temporary file in the same folder and renames it, so a reader never sees half a file. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now().toString(36)}.tmp`;
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}
