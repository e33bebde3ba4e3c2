/**
 * The overview's Data section: the model's data configuration in words and the exact model's accuracy on it,
 * on the bundled HAR model (85.5 % on its first 200 samples as stored; about chance scaled by 1/255).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeDataConfig } from '../src/core/data/dataConfig';
import { dataSection } from '../src/ui/modelOverview/dataSection';
import { REPO_ROOT, requireRuntime } from './support/engine';

describe('the model overview\'s Data section', function () {
  this.timeout(120_000);
  let dir: string;
  let model: string;
  const relative = (f: string) => path.relative(dir, f);
  before(function () {
    requireRuntime(this);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-data-section-'));
    model = path.join(dir, 'har.onnx');
    fs.copyFileSync(path.join(REPO_ROOT, 'media/models/har-mobiprox.onnx'), model);
    for (const f of ['har-test-x.npy', 'har-test-y.npy']) fs.copyFileSync(path.join(REPO_ROOT, 'media/data', f), path.join(dir, f));
  });
  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  it('names the configuration file a model without one would get', async () => {
    assert.deepEqual(await dataSection(model, relative), { file: 'har.mobiprox.json' });
  });

  it('shows the files and preprocessing in words, and the exact accuracy against chance', async () => {
    const data = { input: path.join(dir, 'har-test-x.npy'), labels: path.join(dir, 'har-test-y.npy') };
    writeDataConfig(path.join(dir, 'har.mobiprox.json'), { ...data, preprocessing: {} });
    const s = await dataSection(model, relative);
    assert.deepEqual(s.config, { input: 'har-test-x.npy', labels: 'har-test-y.npy', layout: 'as stored', scale: 'none', mean: 'none', std: 'none', standardize: false });
    assert.deepEqual(s.preview, { samples: 200, accuracy: 85.5, chance: 27 });
    // raw-data mistakes show as a problem that says what to fix
    writeDataConfig(path.join(dir, 'har.mobiprox.json'), { ...data, preprocessing: { scale: 1 / 255, mean: [0.5], nhwc: false } });
    const wrong = await dataSection(model, relative);
    assert.equal(wrong.config!.scale, '1/255');
    assert.equal(wrong.config!.mean, '0.5');
    assert.match(wrong.preview!.problem!, /on the first 200 samples of har-test-x\.npy, about chance \(27\.0 %\), with preprocessing: scale 1\/255, mean 0\.5\. Give the preprocessing the model was trained with/);
  });

  it('says why a configuration cannot be read, naming the file and the field', async () => {
    fs.writeFileSync(path.join(dir, 'har.mobiprox.json'), JSON.stringify({ input: 'har-test-x.npy', labels: 'har-test-y.npy', preprocessing: { scale: 'big' } }));
    const s = await dataSection(model, relative);
    assert.match(s.error!, /har\.mobiprox\.json: "preprocessing\.scale" must be a number/);
    assert.equal(s.preview, undefined);
  });
});
