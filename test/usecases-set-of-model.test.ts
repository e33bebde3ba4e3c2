/**
 * "Is this configuration set for this model?" (src/core/usecases/setOfModel.ts), the one check the CLI and the
 * extension make before applying a set to a model.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compileModel } from '../src/core/compile';
import { exactConfiguration, formatHpvm } from '../src/core/knobs/configuration';
import { CONFIGURATION_SET_FORMAT, ConfigurationSet, writeConfigurationSet } from '../src/core/knobs/configurationSet';
import { modelSha256, setModelOf } from '../src/core/knobs/modelIdentity';
import { prepareData } from '../src/core/runtime/prepare';
import { readSetOfModel, readSetToProfile } from '../src/core/usecases/setOfModel';

const MEDIA = path.resolve(__dirname, '../../media');
const HAR = path.join(MEDIA, 'models/har-mobiprox.onnx');
const KWS = path.join(MEDIA, 'models/kws-mobiprox.onnx');

describe('a configuration set of a model (use cases)', () => {
  let dir: string;
  const model = compileModel(HAR, { name: 'har-mobiprox' });
  const exact = exactConfiguration(model.layers.map((l) => l.slots.map((s) => s.op)));
  const setOf = (onnx: string): ConfigurationSet => ({
    format: CONFIGURATION_SET_FORMAT, version: 1, model: setModelOf(onnx, model), baselineTime: 0, configurations: [exact],
  });

  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-set-of-model-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("takes the model's own set, and refuses another model's, naming the file", () => {
    const own = path.join(dir, 'own.json');
    writeConfigurationSet(own, setOf(HAR));
    assert.equal(readSetOfModel(own, HAR, model.layers).model.sha256, modelSha256(HAR));
    const other = path.join(dir, 'other.json');
    writeConfigurationSet(other, setOf(KWS));
    assert.throws(() => readSetOfModel(other, HAR), /other\.json holds configurations of another model than .*har-mobiprox\.onnx \(sha256 differs\)/);
  });

  it('takes HPVM text, which records no model, and checks it fits the layers', () => {
    const text = path.join(dir, 'set.txt');
    fs.writeFileSync(text, formatHpvm({ baselineTime: 0, configurations: [{ ...exact, name: 'conf1' }] }));
    assert.equal(readSetOfModel(text, HAR, model.layers).model.sha256, '');
    const kws = compileModel(KWS, { name: 'kws' });
    assert.throws(() => readSetOfModel(text, KWS, kws.layers), /set\.txt: configuration conf1 \(1 of 1\) has \d+ layers, but .*kws-mobiprox\.onnx has \d+: it belongs to another model/);
  });

  it('a set to profile read from HPVM text records the model it is profiled for', () => {
    const text = path.join(dir, 'profile.txt');
    fs.writeFileSync(text, formatHpvm({ baselineTime: 0, configurations: [exact] }));
    const data = prepareData({ model: HAR, input: path.join(MEDIA, 'data/har-test-x.npy'), limit: 4 });
    try {
      assert.deepEqual(readSetToProfile(text, HAR, data).model, setModelOf(HAR, data.model));
    } finally {
      data.dispose();
    }
  });
});
