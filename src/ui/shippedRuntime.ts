import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * A .vsix is a zip, which does not keep the executable bit: the runtimes shipped in it (build/host/mpxrun,
 * build/android/<abi>/mpxrun) get it back here before the core runs them. A checkout already has it.
 */
export function restoreExecutableBits(extensionPath: string): string[] {
  const candidates = [
    path.join(extensionPath, 'build', 'host', 'mpxrun'),
    ...['arm64-v8a', 'armeabi-v7a', 'x86_64'].map((abi) => path.join(extensionPath, 'build', 'android', abi, 'mpxrun')),
  ];
  const fixed: string[] = [];
  for (const file of candidates) {
    try {
      const mode = fs.statSync(file).mode;
      if ((mode & 0o111) === 0o111) continue;
      fs.chmodSync(file, mode | 0o755);
      fixed.push(file);
    } catch {
      // Not shipped (device runtimes are built on first use) or not ours to change.
    }
  }
  return fixed;
}
