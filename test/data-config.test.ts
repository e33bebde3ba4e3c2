/**
 * The input contract beside a model (`<model>.mobiprox.json`): read and written with paths relative to it,
 * proposed from the data (8-bit → 1/255, channels-last → first), and checked by the exact model's accuracy
 * against chance before a tuning starts, on the bundled HAR model and data.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dataConfigPath, proposeDataConfig, readDataConfig, writeDataConfig } from '../src/core/data/dataConfig';
import { readNpy, writeNpy } from '../src/core/data/npy';
import { checkNotSwapped, judge, previewData } from '../src/core/runtime/dataPreview';
import { tune } from '../src/core/tuner/tune';
import { cli } from './support/cli';
import { REPO_ROOT, requireRuntime } from './support/engine';
import { Random } from './support/random';

const MODEL = path.join(REPO_ROOT, 'media/models/har-mobiprox.onnx');
const INPUT = path.join(REPO_ROOT, 'media/data/har-test-x.npy');
const LABELS = path.join(REPO_ROOT, 'media/data/har-test-y.npy');

describe('data configuration beside the model', function () {
  this.timeout(300_000);
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-data-config-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('lives beside the model and keeps its paths relative to itself', () => {
    assert.equal(dataConfigPath('/p/models/har.onnx'), '/p/models/har.mobiprox.json');
    const file = path.join(dir, 'models/m.mobiprox.json');
    writeDataConfig(file, { input: path.join(dir, 'data/x.npy'), labels: path.join(dir, 'data/y.npy'), preprocessing: { scale: 0.5, nhwc: true } });
    const json = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.deepEqual(json, { input: '../data/x.npy', labels: '../data/y.npy', preprocessing: { scale: 0.5, nhwc: true } });
    const moved = path.join(dir, 'elsewhere/models/m.mobiprox.json');
    fs.mkdirSync(path.dirname(moved), { recursive: true });
    fs.renameSync(file, moved);
    const read = readDataConfig(moved);
    assert.equal(read.input, path.join(dir, 'elsewhere/data/x.npy'));
    assert.deepEqual(read.preprocessing, { scale: 0.5, nhwc: true });
  });

  it('names the file and the field of a bad configuration', () => {
    const file = path.join(dir, 'bad.mobiprox.json');
    const cases: [string, RegExp][] = [
      ['{', /bad\.mobiprox\.json is not JSON/],
      ['[]', /bad\.mobiprox\.json: expected an object/],
      ['{"labels": "y.npy"}', /bad\.mobiprox\.json: "input" must be the path of a \.npy file/],
      ['{"input": "x.npy", "labels": "y.npy", "preprocessing": {"scal": 2}}', /"preprocessing" has "scal"/],
      ['{"input": "x.npy", "labels": "y.npy", "preprocessing": {"mean": [0, "a"]}}', /"preprocessing\.mean" must be a list of numbers/],
      ['{"input": "x.npy", "labels": "y.npy", "preprocessing": {"std": [1, 0]}}', /"preprocessing\.std" must not hold 0/],
      ['{"input": "x.npy", "labels": "y.npy", "preprocessing": {"nhwc": "yes"}}', /"preprocessing\.nhwc" must be true or false/],
    ];
    for (const [text, message] of cases) {
      fs.writeFileSync(file, text);
      assert.throws(() => readDataConfig(file), message, text);
    }
  });

  it('proposes 1/255 for 8-bit data and channels first for channels-last samples', () => {
    const model = { inputShape: [3, 8, 8], inputLayout: { channelsLast: false } };
    const pixels = { dtype: 'uint8' as const, shape: [2, 8, 8, 3], data: new Uint8Array(2 * 8 * 8 * 3) };
    const p = proposeDataConfig(model, pixels, 'x.npy', 'y.npy');
    assert.equal(p.config.preprocessing.scale, 1 / 255);
    assert.equal(p.config.preprocessing.nhwc, true);
    assert.match(p.reasons.join('\n'), /8-bit values/);
    assert.match(p.reasons.join('\n'), /channels last/);
    const floats = { dtype: 'float32' as const, shape: [2, 3, 8, 8], data: new Float32Array(2 * 3 * 8 * 8) };
    assert.deepEqual(proposeDataConfig(model, floats, 'x.npy', 'y.npy').config.preprocessing, {});
    const channelsLastModel = { inputShape: [8, 8, 3], inputLayout: { channelsLast: true } };
    assert.equal(proposeDataConfig(channelsLastModel, pixels, 'x.npy', 'y.npy').config.preprocessing.nhwc, undefined);
  });

  it('says when the input and the labels look swapped', () => {
    const x = { dtype: 'float32' as const, shape: [4, 9, 128], data: new Float32Array(4 * 9 * 128) };
    const y = { dtype: 'int32' as const, shape: [4], data: new Int32Array(4) };
    assert.doesNotThrow(() => checkNotSwapped(x, 'x.npy', y, 'y.npy'));
    assert.throws(() => checkNotSwapped(y, 'y.npy', x, 'x.npy'), /y\.npy looks like labels .* x\.npy like samples .* swapped/);
  });

  describe('on the bundled HAR model', () => {
    before(function () {
      requireRuntime(this);
    });

    /** The HAR labels in a seeded random order: samples and labels no longer belong together. */
    function shuffledLabels(): string {
      const y = readNpy(LABELS);
      const data = Int32Array.from(y.data as ArrayLike<number>);
      const random = new Random(7);
      for (let i = data.length - 1; i > 0; i--) {
        const j = Math.floor(random.next() * (i + 1));
        [data[i], data[j]] = [data[j], data[i]];
      }
      const file = path.join(dir, 'shuffled-y.npy');
      writeNpy(file, { dtype: 'int32', shape: [data.length], data });
      return file;
    }

    it('previews the exact accuracy on 200 samples, well above chance', async () => {
      const preview = await previewData(MODEL, { input: INPUT, labels: LABELS, preprocessing: {} });
      assert.equal(preview.samples, 200);
      assert.ok(preview.accuracy > 80, `accuracy ${preview.accuracy}`);
      assert.ok(preview.chance < 30, `chance ${preview.chance}`);
      assert.equal(preview.problem, undefined);
    });

    it('flags labels that do not belong to the samples, saying what to check', async () => {
      const preview = await previewData(MODEL, { input: INPUT, labels: shuffledLabels(), preprocessing: {} });
      assert.ok(preview.accuracy < 35, `accuracy ${preview.accuracy}`);
      assert.match(preview.problem ?? '', /about chance .* preprocessing: none\. Give the preprocessing the model was trained with/);
    });

    it('does not judge samples mostly of one class, where a guess scores as well as a model', () => {
      const config = { input: INPUT, labels: LABELS, preprocessing: {} };
      const oneActivity = [...new Array(31).fill(2), 4];
      assert.equal(judge(96.9, oneActivity, config).problem, undefined);
      assert.match(judge(20, [0, 1, 2, 3, 4, 5, 0, 1, 2, 3], config).problem ?? '', /about chance \(20\.0 %\)/);
    });

    it('refuses to tune on such data and writes nothing', async () => {
      const out = path.join(dir, 'set.json');
      await assert.rejects(
        tune({ model: MODEL, input: INPUT, labels: shuffledLabels(), tuneSize: 200, testSize: 100, out, cacheDir: path.join(dir, 'cache') }),
        /Not tuning: the exact model scores .* about chance/,
      );
      assert.equal(fs.existsSync(out), false);
    });

    it('mobiprox tune reads the data configuration beside the model', async () => {
      const model = path.join(dir, 'har.onnx');
      fs.copyFileSync(MODEL, model);
      writeDataConfig(dataConfigPath(model), { input: INPUT, labels: shuffledLabels(), preprocessing: {} });
      const r = await cli(['tune', model, '--tune-size', '200', '--test-size', '100', '--out', path.join(dir, 'set.json'), '--cache-dir', path.join(dir, 'cache')]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`Not tuning: .*${path.basename(INPUT)}.*about chance`));
      assert.match(r.stderr, /har\.mobiprox\.json/);
    });
  });
});
