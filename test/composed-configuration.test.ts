/**
 * A configuration composed by hand (the Model view's knobs) measured on the host and added to a set: on the
 * bundled HAR model, into a new set, then into that set again beside another one, as the Pareto plot reads it.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compileModel } from '../src/core/compile';
import { readConfigurationSet, writeConfigurationSet } from '../src/core/knobs/configurationSet';
import { addComposedConfiguration, withConfiguration } from '../src/core/tuner/composedConfiguration';
import { TuneProgress } from '../src/core/tuner/tune';
import { paretoView } from '../src/ui/pareto/paretoView';
import { cli } from './support/cli';
import { REPO_ROOT, requireRuntime } from './support/engine';

const MODEL = path.join(REPO_ROOT, 'media/models/har-mobiprox.onnx');
const DATA = { input: path.join(REPO_ROOT, 'media/data/har-test-x.npy'), labels: path.join(REPO_ROOT, 'media/data/har-test-y.npy'), preprocessing: {} };
// a short timing: these tests check what is recorded, not how precisely
const QUICK = { tuneSize: 300, testSize: 100, timing: { samples: 64, maxSeconds: 1, minSeconds: 0.2 } };

describe('a configuration composed by hand', function () {
  this.timeout(300_000);
  let dir: string;
  let convs: number[];
  before(function () {
    requireRuntime(this);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-composed-'));
    convs = compileModel(MODEL).layers.filter((l) => l.op === 'conv').map((l) => l.index);
  });
  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  it('is measured beside the exact configuration and saved into a new set the Pareto plot draws', async () => {
    const setFile = path.join(dir, 'har.configs.json');
    const phases: TuneProgress['phase'][] = [];
    const r = await addComposedConfiguration(
      { model: MODEL, knobs: new Map([[convs[0], 121]]), data: DATA, setFile, cacheDir: dir, ...QUICK },
      { onProgress: (p) => phases.push(p.phase) },
    );
    assert.equal(r.name, 'composed1');
    assert.ok(r.added);
    assert.deepEqual([...new Set(phases)], ['prepare', 'calibrate', 'validate', 'test', 'write']);
    const set = readConfigurationSet(setFile);
    assert.deepEqual(set.configurations.map((c) => c.name), ['conf0', 'composed1']);
    const [exact, composed] = set.configurations;
    assert.ok(exact.layers.every((slots) => slots.every((s) => s.knob === 11)));
    assert.equal(composed.layers[convs[0] - 1][0].knob, 121);
    assert.ok(composed.layers.every((slots, i) => i === convs[0] - 1 || slots[0].knob === 11));
    assert.ok(composed.host!.speedup > 0 && composed.host!.timing, 'measured speedup with its timing');
    assert.ok(Math.abs(composed.host!.qosLoss - (exact.host!.accuracy - composed.host!.accuracy)) < 1e-9, 'loss against the exact run beside it');
    assert.equal(typeof composed.host!.testAccuracy, 'number', 'held-out test accuracy');
    const host = paretoView(set, setFile).series.find((s) => s.kind === 'host')!;
    assert.deepEqual(host.points.map((p) => p.name), ['conf0', 'composed1']);
    assert.match(host.points[1].knobSummary, new RegExp(`layer ${convs[0]}: column perforation ×2 offset 0, fp32 \\(121\\)`));
  });

  it('joins an existing set under a new name, and the same knobs again are found, not measured', async () => {
    const setFile = path.join(dir, 'har.configs.json');
    const again = await addComposedConfiguration({ model: MODEL, knobs: new Map([[convs[0], 121]]), data: DATA, setFile, cacheDir: dir, ...QUICK });
    assert.deepEqual([again.name, again.added], ['composed1', false]);
    const knobs = new Map(convs.map((l) => [l, 12]));
    const second = await addComposedConfiguration({ model: MODEL, knobs, data: DATA, setFile, cacheDir: dir, ...QUICK });
    assert.equal(second.name, 'composed2');
    const set = readConfigurationSet(setFile);
    assert.equal(set.configurations.length, 3);
    assert.equal(set.configurations[0].name, 'conf0');
    const approximate = set.configurations.slice(1).map((c) => c.speedup);
    assert.deepEqual(approximate, [...approximate].sort((a, b) => a - b), 'ordered by speedup after the exact one');
  });

  it("refuses, naming the layer or the file, a knob a layer does not take, an exact composition, a profiled set and another model's set", async () => {
    const setFile = path.join(dir, 'other.configs.json');
    const dense = compileModel(MODEL).layers.find((l) => l.op !== 'conv')!;
    await assert.rejects(addComposedConfiguration({ model: MODEL, knobs: new Map([[dense.index, 121]]), data: DATA, setFile, ...QUICK }),
      new RegExp(`Layer ${dense.index} \\(${dense.op} '.*'\\) of .*har-mobiprox.onnx does not take knob 121`));
    await assert.rejects(addComposedConfiguration({ model: MODEL, knobs: new Map(), data: DATA, setFile, ...QUICK }), /approximates no layer/);
    assert.ok(!fs.existsSync(setFile), 'nothing written');
    const profiled = path.join(dir, 'har.profiled.json');
    const set = readConfigurationSet(path.join(dir, 'har.configs.json'));
    writeConfigurationSet(profiled, { ...set, profiledOn: { input: 'x', labels: 'y', samples: 1, labelsSha256: '' } });
    await assert.rejects(addComposedConfiguration({ model: MODEL, knobs: new Map([[convs[0], 12]]), data: DATA, setFile: profiled, ...QUICK }),
      /har.profiled.json is a profiled set/);
    const other = path.join(dir, 'other-model.json');
    writeConfigurationSet(other, { ...set, model: { ...set.model, sha256: '0'.repeat(64) } });
    const before = fs.readFileSync(other, 'utf8');
    await assert.rejects(addComposedConfiguration({ model: MODEL, knobs: new Map([[convs[0], 12]]), data: DATA, setFile: other, ...QUICK }),
      /other-model\.json holds configurations of another model than .*har-mobiprox\.onnx \(sha256 differs\)/);
    assert.equal(fs.readFileSync(other, 'utf8'), before, 'the set was changed');
  });

  it('mobiprox compose adds it from the command line, and names a malformed --knob', async () => {
    const setFile = path.join(dir, 'cli.configs.json');
    const args = ['compose', MODEL, '--input', DATA.input, '--labels', DATA.labels, '--tune-size', '300', '--test-size', '100', '--configs', setFile];
    const ok = await cli([...args, '--knob', `${convs[0]}=12`, '--knob', `${convs[1]}=12`]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, new RegExp(`^composed1 added to ${setFile.replace(/[.]/g, '\\.')}: speedup [\\d.]+, accuracy [\\d.]+ %, loss -?[\\d.]+ points \\(host\\)`));
    const composed = readConfigurationSet(setFile).configurations[1];
    assert.deepEqual([composed.layers[convs[0] - 1][0].knob, composed.layers[convs[1] - 1][0].knob], [12, 12]);
    const bad = await cli([...args, '--knob', 'conv=121']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /'conv=121' is not LAYER=KNOB, as in 3=121/);
  });

  it('inserts by speedup and keeps the exact configuration first', () => {
    const c = (name: string, speedup: number) => ({ name, speedup, energy: 1, accuracy: 90, qosLoss: 0, layers: [] });
    const set = { configurations: [c('conf0', 1), c('conf1', 1.2), c('conf2', 1.8)] } as unknown as Parameters<typeof withConfiguration>[0];
    assert.deepEqual(withConfiguration(set, c('composed1', 1.5)).configurations.map((x) => x.name), ['conf0', 'conf1', 'composed1', 'conf2']);
    assert.deepEqual(withConfiguration(set, c('composed1', 0.9)).configurations.map((x) => x.name), ['conf0', 'composed1', 'conf1', 'conf2']);
    assert.deepEqual(withConfiguration(set, c('composed1', 3)).configurations.map((x) => x.name), ['conf0', 'conf1', 'conf2', 'composed1']);
  });
});
