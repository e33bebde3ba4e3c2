/**
 * The TS↔C seam of knob ids: native-runtime/knobs.tsv is the one table, and the C header and the TypeScript
 * module generated from it are checked in; a table edited without regenerating them fails here.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KNOBS } from '../src/core/knobs/catalog';
import { REPO_ROOT } from './support/engine';
import { TableCopy, copyTable, itChecksGeneratedFiles } from './support/tableGenerator';

const FILES = ['native-runtime/knobs.tsv', 'native-runtime/src/knob_table.h', 'src/core/knobs/knobTable.ts'];

describe('the knob table (native-runtime/knobs.tsv)', () => {
  let t: TableCopy;

  beforeEach(() => (t = copyTable('toolchain/generate-knobs.mjs', FILES)));
  afterEach(() => t.dispose());

  itChecksGeneratedFiles(() => t, {
    edit: (text) => text.replace('\n349\tsamp_int8\tint8\tsampling\t4\t3\n', '\n'),
    stale: /native-runtime\/src\/knob_table\.h and src\/core\/knobs\/knobTable\.ts differ from native-runtime\/knobs\.tsv/,
    regenerated: (header, module) => {
      assert.doesNotMatch(header, /\{349,/);
      assert.doesNotMatch(module, /id: 349,/);
    },
  });

  it('refuses a row that breaks the table, naming its line', () => {
    const table = t.file(0);
    fs.appendFileSync(table, '350\tsamp_int8\tint8\tsampling\t5\t0\n');
    const r = t.generate();
    assert.equal(r.status, 2);
    assert.match(r.stderr, /knobs\.tsv:\d+: the stride must be 2 to 4 and the offset below it: 350/);
  });

  it('the catalog holds every row of the table, and the runtime reads the same names', () => {
    const rows = fs.readFileSync(path.join(REPO_ROOT, FILES[0]), 'utf8').split('\n').filter((l) => /^\d/.test(l)).map((l) => l.split('\t'));
    assert.deepEqual(KNOBS.map((k) => [String(k.id), k.name]), rows.map(([id, name]) => [id, name]));
    const header = fs.readFileSync(path.join(REPO_ROOT, FILES[1]), 'utf8');
    for (const [id, name] of rows) assert.match(header, new RegExp(`\\{${id},\\s+"${name}",`));
  });
});
