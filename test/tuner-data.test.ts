/**
 * The tuning and test sets: taken in file order, or in a seeded random order for files sorted by subject or
 * class (the bundled UCI-HAR slice is two subjects one after the other).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeNpy, readNpy } from '../src/core/data/npy';
import { seededPermutation } from '../src/core/data/rowOrder';
import { prepareTuningData } from '../src/core/tuner/tuningData';
import { REPO_ROOT } from './support/engine';

const MODEL = path.join(REPO_ROOT, 'media/models/har-mobiprox.onnx');
const INPUT = path.join(REPO_ROOT, 'media/data/har-test-x.npy');
const LABELS = path.join(REPO_ROOT, 'media/data/har-test-y.npy');
const SUBJECTS = path.join(REPO_ROOT, 'media/data/har-test-subject.npy');

describe('tuning data', () => {
  it('a seeded permutation is a permutation, the same for a seed and different across seeds', () => {
    const a = seededPermutation(1000, 7);
    assert.deepEqual([...a].sort((x, y) => x - y), Array.from({ length: 1000 }, (_, i) => i));
    assert.deepEqual(seededPermutation(1000, 7), a);
    assert.notDeepEqual(seededPermutation(1000, 8), a);
    assert.ok(a.filter((v, i) => v === i).length < 10, 'hardly any row stays in place');
  });

  it('shuffled sets keep each window with its label and draw from both subjects', () => {
    const x = readNpy(INPUT);
    const y = readNpy(LABELS).data as Int32Array;
    const subjects = readNpy(SUBJECTS).data as Int32Array;
    const rowOf = new Map<string, number>();
    const per = x.data.length / x.shape[0];
    const key = (data: ArrayLike<number>, row: number) => Array.from({ length: 8 }, (_, j) => data[row * per + j * 97]).join(',');
    for (let r = 0; r < x.shape[0]; r++) rowOf.set(key(x.data as Float32Array, r), r);

    const data = prepareTuningData({ model: MODEL, input: INPUT, labels: LABELS, tuneSize: 200, testSize: 100, shuffleSeed: 3 });
    try {
      for (const set of [data.tune, data.test!]) {
        const got = readNpy(set.inputPath);
        const rows = Array.from({ length: set.samples }, (_, i) => rowOf.get(key(got.data as Float32Array, i)));
        assert.ok(rows.every((r) => r !== undefined), 'every sample is a row of the input');
        rows.forEach((r, i) => assert.equal(set.labels[i], y[r!], `sample ${i} (file row ${r}) keeps its label`));
        assert.deepEqual(new Set(rows.map((r) => subjects[r!])), new Set(subjects), 'both subjects are in the set');
      }
      const again = prepareTuningData({ model: MODEL, input: INPUT, labels: LABELS, tuneSize: 200, testSize: 100, shuffleSeed: 3 });
      assert.equal(again.tune.sha256, data.tune.sha256, 'the same seed gives the same set (and so the same caches)');
      again.dispose();
      const inOrder = prepareTuningData({ model: MODEL, input: INPUT, labels: LABELS, tuneSize: 200, testSize: 100 });
      assert.notEqual(inOrder.tune.sha256, data.tune.sha256);
      inOrder.dispose();
    } finally {
      data.dispose();
    }
  });

  it('names the file row of a bad label, not its shuffled position', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-tuning-data-'));
    try {
      const y = Int32Array.from(readNpy(LABELS).data as Int32Array);
      y[600] = 9;
      const bad = path.join(dir, 'y.npy');
      fs.writeFileSync(bad, encodeNpy({ dtype: 'int32', shape: [y.length], data: y }));
      assert.throws(() => prepareTuningData({ model: MODEL, input: INPUT, labels: bad, tuneSize: 10, testSize: 10, shuffleSeed: 1 }),
        /y\.npy has label 9 at sample 600, outside the model's 6 classes/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a --tune-size or --test-size beyond the samples, and warns when nothing is left for a test set', () => {
    const rows = readNpy(INPUT).shape[0];
    assert.throws(() => prepareTuningData({ model: MODEL, input: INPUT, labels: LABELS, tuneSize: rows + 1000 }),
      new RegExp(`--tune-size ${rows + 1000} exceeds the ${rows} samples of .*har-test-x\\.npy`));
    assert.throws(() => prepareTuningData({ model: MODEL, input: INPUT, labels: LABELS, tuneSize: rows - 10, testSize: 20 }),
      new RegExp(`--test-size 20 exceeds the 10 samples of .*har-test-x\\.npy left after the ${rows - 10} tuning samples`));
    const warnings: string[] = [];
    const all = prepareTuningData({ model: MODEL, input: INPUT, labels: LABELS, tuneSize: rows, onWarning: (m) => warnings.push(m) });
    all.dispose();
    assert.equal(all.test, undefined);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /nothing is left for a test set/);
    const split = prepareTuningData({ model: MODEL, input: INPUT, labels: LABELS, tuneSize: rows - 10, onWarning: (m) => warnings.push(m) });
    split.dispose();
    assert.equal(split.test?.samples, 10);
    assert.equal(warnings.length, 1, 'a test set is left: no warning');
  });
});
