/**
 * A table generator of toolchain/ (generate-knobs.mjs, generate-format.mjs) run on a private copy of its table
 * and generated files, so that a test may break the table without touching the checkout.
 */
import { SpawnSyncReturns, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from './engine';

export interface TableCopy {
  /** The copy's root: `files` sit under it at their repository paths. */
  root: string;
  /** Path of file `i` of `files` in the copy. */
  file(i: number): string;
  /** Runs the generator with `args` (`--root` the copy unless `checkout`). */
  generate(args?: string[], checkout?: boolean): SpawnSyncReturns<string>;
  dispose(): void;
}

export function copyTable(generator: string, files: readonly string[]): TableCopy {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-table-'));
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    fs.copyFileSync(path.join(REPO_ROOT, f), path.join(root, f));
  }
  return {
    root,
    file: (i) => path.join(root, files[i]),
    generate: (args = [], checkout = false) =>
      spawnSync(process.execPath, [path.join(REPO_ROOT, generator), ...args, ...(checkout ? [] : ['--root', root])], { encoding: 'utf8' }),
    dispose: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}
