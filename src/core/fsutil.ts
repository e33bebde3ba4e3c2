import * as fs from 'node:fs';
import * as path from 'node:path';
import { MobiproxError } from './errors';

/** Whether the path is an existing folder (false when it is missing or unreadable: its reader names that). */
export function isFolder(file: string): boolean {
  try {
    return fs.statSync(file).isDirectory();
  } catch {
    return false;
  }
}

/** Refuses a folder where the user should give a file: reading it would only say EISDIR. */
export function refuseFolder(file: string, expected: string): void {
  if (isFolder(file)) throw new MobiproxError(`${file} is a folder; give the ${expected}.`, { file });
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
