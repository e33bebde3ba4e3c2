/**
 * simulate, calibrate and generate from the command line on the bundled HAR model and its subject-ordered
 * test windows, with configurations profiled on the host.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { profileOnHost } from '../src/core/adapt/hostProfile';
import { AdaptableSet, relativeCosts } from '../src/core/adapt/profiledSet';
import { encodeNpy, readNpy } from '../src/core/data/npy';
import { Configuration } from '../src/core/knobs/configuration';
import { labelsSha256, readConfigurationSet, toHpvm, writeConfigurationSet } from '../src/core/knobs/configurationSet';
import { prepareData } from '../src/core/runtime/prepare';
import { cli } from './support/cli';
import { REPO_ROOT, requireRuntime } from './support/engine';

const MEDIA = path.join(REPO_ROOT, 'media');
const MODEL = path.join(MEDIA, 'models/har-mobiprox.onnx');
const X = path.join(MEDIA, 'data/har-test-x.npy');
const Y = path.join(MEDIA, 'data/har-test-y.npy');
const SUBJECTS = path.join(MEDIA, 'data/har-test-subject.npy');

describe('mobiprox simulate, calibrate, generate (CLI, host-profiled HAR configurations)', function () {
  this.timeout(300_000);
  let dir: string;
  let profile: string;

  before(async function () {
    requireRuntime(this);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-adapt-cli-'));
    const data = prepareData({ model: MODEL, input: X, labels: Y });
    try {
      const conv = (name: string, knob: number): Configuration => ({
        name, speedup: 1, energy: 1, accuracy: 0, qosLoss: 0,
        layers: data.model.layers.map((l) => l.slots.map((s, j) => ({ op: s.op, knob: j === 0 && l.op === 'conv' ? knob : 11 }))),
      });
      const { set } = await profileOnHost(MODEL, data, [conv('perf2', 121), conv('samp2', 231)], { threads: 1 });
      profile = path.join(dir, 'har.configs.json');
      writeConfigurationSet(profile, set);
    } finally {
      data.dispose();
    }
  });

  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  it('replays one trace per subject; pinned at the exact configuration it has the profiled accuracy at cost 1', async () => {
    const r = await cli(['simulate', '--profile', profile, '--labels', Y, '--trace-by', SUBJECTS, '--strategy', 'fixed', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    const subjects = new Set(Array.from(readNpy(SUBJECTS).data as ArrayLike<number>));
    assert.equal(out.traces.length, subjects.size);
    assert.equal(out.traces.reduce((n: number, t: { timeline: number[] }) => n + t.timeline.length, 0), 619);
    const set = readConfigurationSet(profile);
    assert.ok(Math.abs(out.pooled.accuracy - set.configurations[0].host!.accuracy) < 1e-6);
    assert.equal(out.pooled.relativeCost, 1);
    assert.equal(out.pooled.agreement, 100);
  });

  it('keeps the budget strategy within its bound and prints the table', async () => {
    const set = readConfigurationSet(profile);
    // A bound the cheapest configuration fits (the budget strategy's guarantee needs one).
    const budget = Math.min(1, Math.max(...set.configurations.slice(1).map((c) => 1 / c.host!.speedup)) + 0.01);
    const fitting = await cli(['simulate', '--profile', profile, '--labels', Y, '--strategy', 'budget', '--budget', String(budget), '--json']);
    assert.equal(fitting.code, 0, fitting.stderr);
    assert.equal(fitting.stderr, '');
    const json = JSON.parse(fitting.stdout);
    assert.deepEqual(json.warnings, []);
    assert.ok(Math.min(...json.costs) <= budget);
    assert.ok(json.pooled.relativeCost <= budget + Math.max(...json.costs) / 619 + 1e-12, `cost ${json.pooled.relativeCost} over ${budget}`);
    const table = await cli(['simulate', '--profile', profile, '--labels', Y, '--trace-by', SUBJECTS, '--strategy', 'state', '--growth', 'exponential']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^strategy\s+state-driven, exponential, N=3, V_L=2$/m);
    assert.match(table.stdout, /^pooled\s+619\s/m);
  });

  it('warns when no configuration fits the budget, and rests at the cheapest instead of the most expensive', async () => {
    const set = readConfigurationSet(profile);
    const costs = relativeCosts(set);
    const cheapest = costs.indexOf(Math.min(...costs));
    const budget = Math.min(...costs) / 2; // below every configuration's cost
    const message = `No configuration fits the budget ${budget}: the cheapest, ${set.configurations[cheapest].name}, costs ${costs[cheapest].toFixed(3)} of the exact one; the strategy stays there.`;
    const json = await cli(['simulate', '--profile', profile, '--labels', Y, '--strategy', 'budget', '--budget', String(budget), '--json']);
    assert.equal(json.code, 0, json.stderr);
    assert.equal(json.stderr, `mobiprox: warning: ${message}\n`);
    const out = JSON.parse(json.stdout);
    assert.deepEqual(out.warnings, [message]);
    // The first inference runs at the exact configuration, every later one at the cheapest.
    assert.deepEqual(out.traces[0].timeline.slice(1), new Array<number>(618).fill(cheapest));
    const table = await cli(['simulate', '--profile', profile, '--labels', Y, '--trace-by', SUBJECTS, '--strategy', 'rules', '--rule', 'charging:0', '--inner', 'budget', '--budget', String(budget)]);
    assert.equal(table.code, 0, table.stderr);
    assert.equal(table.stderr, `mobiprox: warning: ${message}\n`, 'once, however many traces');
    assert.match(table.stdout, /^pooled\s+619\s/m);
  });

  it('calibrate stores temperatures and thresholds; the calibrated set then needs the model to calibrate the trace', async () => {
    const calibrated = path.join(dir, 'calibrated.json');
    const r = await cli(['calibrate', '--profile', profile, '--model', MODEL, '--input', X, '--labels', Y, '--out', calibrated, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const set = readConfigurationSet(calibrated) as AdaptableSet;
    assert.equal(set.calibration!.temperatures.length, 3);
    set.calibration!.fits.forEach((f) => assert.ok(f.nllAfter <= f.nllBefore + 1e-12));
    assert.equal(set.calibration!.thresholds.lessBelow.length, 3);
    const recorded = await cli(['simulate', '--profile', calibrated, '--labels', Y, '--strategy', 'confidence']);
    assert.notEqual(recorded.code, 0);
    assert.match(recorded.stderr, /^mobiprox: The set is calibrated but its recorded confidences are not: give the model/);
    const rerun = await cli(['simulate', '--profile', calibrated, '--labels', Y, '--input', X, '--model', MODEL, '--strategy', 'rules', '--rule', 'battery<50:2', '--battery', '100:0', '--json']);
    assert.equal(rerun.code, 0, rerun.stderr);
    const timeline: number[] = JSON.parse(rerun.stdout).traces[0].timeline;
    // The battery falls below 50 % halfway: from there the rule pins the last configuration.
    assert.ok(timeline.slice(Math.ceil(619 / 2) + 1).every((k) => k === 2));
  });

  it('generate writes the engine, the wrapper, the JNI binding and the usage snippet', async () => {
    const out = path.join(dir, 'gen');
    const r = await cli(['generate', '--configs', profile, '--strategy', 'confidence', '--lang', 'kotlin', '--package', 'com.example.har', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    for (const f of ['com/example/har/MobiproxAdaptation.kt', 'com/example/har/MobiproxModel.kt', 'com/mobiprox/MobiproxRuntime.java', 'USAGE.md']) {
      assert.ok(fs.existsSync(path.join(out, f)), f);
    }
  });

  it('generate takes HPVM text like JSON, and USAGE.md names only files it wrote', async () => {
    const text = path.join(dir, 'har.configs.txt');
    fs.writeFileSync(text, toHpvm(readConfigurationSet(profile)));
    const outputs: Record<string, string> = {};
    for (const [form, configs] of [['json', profile], ['text', text]]) {
      for (const lang of ['kotlin', 'java']) {
        const out = path.join(dir, `gen-${form}-${lang}`);
        const r = await cli(['generate', '--configs', configs, '--strategy', 'confidence', '--lang', lang, '--package', 'com.example.har', '--out', out]);
        assert.equal(r.code, 0, r.stderr);
        const usage = fs.readFileSync(path.join(out, 'USAGE.md'), 'utf8');
        assert.doesNotMatch(usage, /[\w-]+\.mpxm|[\w-]+\.configs\.txt|\.txt"/, `USAGE.md names an asset generate did not write:\n${usage}`);
        for (const [, named] of usage.matchAll(/`([\w/]+\.(?:kt|java|md))`/g)) assert.ok(fs.existsSync(path.join(out, named)), `USAGE.md names ${named}, which is missing`);
        const engine = fs.readFileSync(path.join(out, `com/example/har/MobiproxAdaptation.${lang === 'java' ? 'java' : 'kt'}`), 'utf8');
        // HPVM text keeps 8 significant digits: compare the engines at 6.
        outputs[`${form}-${lang}`] = engine.split('\n').filter((l) => !l.startsWith('// Generated by mobiprox')).join('\n')
          .replace(/\d+\.\d+/g, (v) => Number(v).toPrecision(6));
      }
    }
    assert.equal(outputs['text-kotlin'], outputs['json-kotlin'], 'the engine from HPVM text differs from the one from JSON');
    assert.equal(outputs['text-java'], outputs['json-java']);
  });

  it('replays a set profiled with --limit on the first samples of the same labels, and refuses other labels', async () => {
    const data = prepareData({ model: MODEL, input: X, labels: Y, limit: 300 });
    let limited: string;
    try {
      const { set } = await profileOnHost(MODEL, data, [], { threads: 1 });
      const labels = Array.from(readNpy(Y).data as ArrayLike<number>);
      limited = path.join(dir, 'limited.json');
      // what `profile --limit 300` records
      writeConfigurationSet(limited, { ...set, profiledOn: { input: X, labels: Y, samples: 300, limit: 300, labelsSha256: labelsSha256(labels.slice(0, 300)) } });
    } finally {
      data.dispose();
    }
    const r = await cli(['simulate', '--profile', limited, '--labels', Y, '--trace-by', SUBJECTS, '--strategy', 'fixed', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^mobiprox: note: the set was profiled on the first 300 of the 619 samples \(profile --limit 300\)/);
    const out = JSON.parse(r.stdout);
    assert.equal(out.traces.reduce((n: number, t: { timeline: number[] }) => n + t.timeline.length, 0), 300);
    const shuffled = path.join(dir, 'other-y.npy');
    const y = Int32Array.from(readNpy(Y).data as ArrayLike<number>).reverse();
    fs.writeFileSync(shuffled, encodeNpy({ dtype: 'int32', shape: [y.length], data: y }));
    const other = await cli(['simulate', '--profile', limited, '--labels', shuffled, '--strategy', 'fixed']);
    assert.equal(other.code, 2);
    assert.match(other.stderr, /^mobiprox: The set was profiled on the first 300 samples of .*har-test-y\.npy \(profile --limit 300\), but the first 300 labels of .*other-y\.npy differ/);
  });

  it('names what is wrong in one line', async () => {
    const hpvm = path.join(dir, 'set.txt');
    fs.writeFileSync(hpvm, ['0.0', '+++++', 'conf1 1.5 1.0 0.0 0.5', '1 gpu conv fp32 11', '-----', ''].join('\n'));
    const needsJson = /^mobiprox: .*set\.txt is ApproxTuner\/HPVM text; this needs a Mobiprox configuration set \(JSON/;
    const cases: [string[], RegExp][] = [
      [['simulate', '--profile', hpvm, '--labels', Y, '--strategy', 'naive'], needsJson],
      [['calibrate', '--profile', hpvm, '--model', MODEL, '--input', X, '--labels', Y], needsJson],
      [['simulate', '--profile', profile, '--labels', Y, '--strategy', 'budget'], /^mobiprox: The budget strategy needs --budget <b>/],
      [['simulate', '--profile', profile, '--labels', Y, '--strategy', 'rules', '--rule', 'battery<<2:1'], /'battery<<2:1' is not a rule|'battery<<2' in rule/],
      [['simulate', '--profile', profile, '--labels', Y, '--strategy', 'quick'], /'quick' is not a strategy/],
      [['simulate', '--profile', path.join(dir, 'none.json'), '--labels', Y, '--strategy', 'naive'], /^mobiprox: Cannot read the configurations .*none\.json/],
      [['generate', '--configs', profile, '--strategy', 'naive', '--package', 'com.example.new', '--out', dir], /'com\.example\.new' is not a package name/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
  });
});
