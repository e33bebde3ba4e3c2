// What the table generators (generate-knobs.mjs, generate-format.mjs) share: read a tab-separated table whose
// mistakes name their line, and write generated files atomically or, with --check, only say which are stale.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The rows of a tab-separated `text` (comments '#' and blank lines skipped) as objects keyed by `columns`. */
export function readRows(text, file, columns, firstLine = 0) {
  const rows = [];
  let header;
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '' || line.startsWith('#')) return;
    const cells = line.split('\t');
    const fail = (why) => { throw new Error(`${file}:${firstLine + i + 1}: ${why}: ${line}`); };
    if (!header) {
      header = cells;
      if (header.join(' ') !== columns.join(' ')) fail(`the header must be ${columns.join(' ')}`);
      return;
    }
    if (cells.length !== header.length) fail(`${header.length} tab-separated cells expected`);
    rows.push({ cells: Object.fromEntries(columns.map((c, k) => [c, cells[k]])), fail });
  });
  return rows;
}

/**
 * Runs a generator from the command line: `--check` writes nothing and exits 1 naming the generated files that
 * differ from what `generate(root)` returns; `--root DIR` reads and writes under DIR instead of this repository.
 * A broken table exits 2 with its message.
 */
export function main(name, table, generate, repositoryRoot) {
  const args = process.argv.slice(2);
  const check = args.includes('--check');
  const rootAt = args.indexOf('--root');
  const root = rootAt >= 0 ? path.resolve(args[rootAt + 1]) : repositoryRoot;
  try {
    const stale = [];
    for (const [file, text] of generate(root)) {
      const at = path.join(root, file);
      const now = fs.existsSync(at) ? fs.readFileSync(at, 'utf8') : undefined;
      if (now === text) continue;
      if (check) {
        stale.push(file);
        continue;
      }
      const temporary = `${at}.${process.pid}.tmp`;
      fs.writeFileSync(temporary, text);
      fs.renameSync(temporary, at);
    }
    if (stale.length) {
      console.error(`${name}: ${stale.join(' and ')} differ from ${table}: run node toolchain/${name}.mjs.`);
      process.exit(1);
    }
  } catch (e) {
    console.error(`${name}: ${e.message}`);
    process.exit(2);
  }
}
