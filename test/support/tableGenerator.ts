/**
 * A table generator of toolchain/ (generate-knobs.mjs, generate-format.mjs) run on a private copy of its table
 * and generated files, so that a test may break the table without touching the checkout.
 */
import { strict as assert } from 'node:assert';
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

/**
 * The two tests every generated table has: the checked-in files are what the table generates; a table edited
 * (`edit`) without regenerating fails --check with `stale`, and regenerating mends it (`regenerated` looks at
 * the new C header and TypeScript module).
 */
export function itChecksGeneratedFiles(table: () => TableCopy, o: {
  edit: (text: string) => string; stale: RegExp; regenerated: (header: string, module: string) => void;
}): void {
  it('the checked-in C header and TypeScript module are those the table generates', () => {
    const r = table().generate(['--check'], true);
    assert.equal(r.status, 0, r.stderr);
  });

  it('a table edited without regenerating fails the check, naming both files; regenerating mends it', () => {
    const t = table();
    fs.writeFileSync(t.file(0), o.edit(fs.readFileSync(t.file(0), 'utf8')));
    const stale = t.generate(['--check']);
    assert.equal(stale.status, 1);
    assert.match(stale.stderr, o.stale);
    assert.equal(t.generate().status, 0);
    assert.equal(t.generate(['--check']).status, 0);
    o.regenerated(fs.readFileSync(t.file(1), 'utf8'), fs.readFileSync(t.file(2), 'utf8'));
  });
}
