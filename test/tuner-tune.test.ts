/**
 * A whole tuning of the bundled HAR model (no ../shared needed): its predictors are exact on single-knob
 * configurations, its validated frontier reproduces through `mobiprox run --configs … --config confK`, a
 * second tuning with the same cache profiles nothing, and a cancelled tuning keeps what it validated.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compileModel } from '../src/core/compile';
import { readConfigurationSet } from '../src/core/knobs/configurationSet';
import { parseHpvm } from '../src/core/knobs/configuration';
import { DiskCache } from '../src/core/tuner/cache';
import { calibrateInt8 } from '../src/core/tuner/int8Calibration';
import { singleKnobChoice } from '../src/core/tuner/knobSpace';
import { P1Predictor, P2Predictor } from '../src/core/tuner/predictors';
import { singleKnobProfiles } from '../src/core/tuner/profiles';
import { TuneOptions, TuneProgress, tune } from '../src/core/tuner/tune';
import { prepareTuningData } from '../src/core/tuner/tuningData';
import { measureChoices } from '../src/core/tuner/validation';
import { cli } from './support/cli';
import { REPO_ROOT, requireRuntime } from './support/engine';

const MODEL = path.join(REPO_ROOT, 'media/models/har-mobiprox.onnx');
const INPUT = path.join(REPO_ROOT, 'media/data/har-test-x.npy');
const LABELS = path.join(REPO_ROOT, 'media/data/har-test-y.npy');
const TUNE = 300;
const TEST = 300;

describe('tuning the bundled HAR model', function () {
  this.timeout(300_000);
  let dir: string;
  const options = (name: string, extra: Partial<TuneOptions> = {}): TuneOptions => ({
    model: MODEL, input: INPUT, labels: LABELS, tuneSize: TUNE, testSize: TEST, cacheDir: path.join(dir, 'cache'),
    out: path.join(dir, `${name}.json`), hpvmOut: path.join(dir, `${name}.txt`), batch: 16, ...extra,
  });

  before(function () {
    requireRuntime(this);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-tune-test-'));
  });
  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  it('predicts every single-knob configuration exactly (P1 and P2 equal the measured accuracy)', async () => {
    const data = prepareTuningData({ model: MODEL, input: INPUT, labels: LABELS, tuneSize: TUNE, testSize: 0 });
    try {
      const cache = new DiskCache(path.join(dir, 'exactness'));
      const layers = await calibrateInt8(data.model.layers, { mpxm: data.mpxmPath, set: data.tune, modelSha256: data.modelSha256, batch: 16, cache });
      assert.ok(layers.some((l) => l.quant) && layers.every((l) => !l.quant || l.knobs.includes(311)), 'the convolutions are calibrated for int8');
      const pairs = layers.flatMap((l, layer) => l.knobs.filter((k) => k !== 11).map((knob) => ({ layer, knob })));
      const runner = { processes: 2, threads: 1, batch: 16, probabilities: data.model.endsWithSoftmax };
      const profiles = await singleKnobProfiles({
        mpxm: data.mpxmPath, set: data.tune, layers, pairs, modelSha256: data.modelSha256, dataSha256: data.dataSha256,
        withOutputs: true, cache, runner, workDir: data.workDir,
      });
      const p1 = new P1Predictor(profiles, data.tune.labels);
      const p2 = new P2Predictor(profiles);
      const choices = pairs.map((p) => singleKnobChoice(layers, p.layer, p.knob));
      const measured = new Array<number>(choices.length);
      // Full runs without prefix reuse: the predictions come from incremental re-runs, the truth does not.
      await measureChoices(data.mpxmPath, data.tune, layers, choices, runner, data.workDir, (m) => (measured[m.choice] = m.accuracy));
      const distinct = new Set(measured);
      assert.ok(distinct.size > 3, `the knobs should change the accuracy: ${[...distinct].join(', ')}`);
      choices.forEach((c, i) => {
        assert.equal(p2.accuracy(c), measured[i], `P2 of layer ${pairs[i].layer + 1} knob ${pairs[i].knob}`);
        // mpxrun prints 9 significant digits; one sample more or less would move the accuracy by 1/3 point.
        assert.ok(Math.abs(p1.accuracy(c) - measured[i]) < 1e-6, `P1 of layer ${pairs[i].layer + 1} knob ${pairs[i].knob}`);
      });
    } finally {
      data.dispose();
    }
  });

  it('writes a validated frontier that `mobiprox run` reproduces, then reuses every cached profile', async () => {
    const events: TuneProgress[] = [];
    const first = await tune(options('first'), { onProgress: (p) => events.push(p) });
    assert.equal(first.cancelled, false);
    assert.ok(first.stats.profiled > 0 && first.stats.cached === 0);
    // every layer-knob pair the cost model offers is profiled once; the rest are withheld, not lost
    assert.equal(first.stats.profiled, first.stats.offered);
    assert.equal(first.stats.offered + first.stats.withheld, compileModel(MODEL).layers.reduce((n, l) => n + l.knobs.length - 1, 0));
    const set = readConfigurationSet(path.join(dir, 'first.json'));
    assert.ok(set.configurations.length >= 2, 'at least one approximate configuration on the frontier');
    assert.equal(set.configurations[0].name, 'conf0');
    assert.ok(set.configurations.every((c) => c.qosLoss <= 3), 'every kept configuration is within the threshold');
    for (let i = 2; i < set.configurations.length; i++) assert.ok(set.configurations[i].predicted!.speedup >= set.configurations[i - 1].predicted!.speedup);
    // the frontier ranks losses by their intervals' upper ends: a faster configuration is less surely accurate
    const surely = (i: number) => set.configurations[i].host!.qosLossInterval![1];
    for (let i = 2; i < set.configurations.length; i++) assert.ok(surely(i) > surely(i - 1), `conf${i} against conf${i - 1}`);
    for (const c of set.configurations.slice(1)) assert.ok(c.host!.timing!.speedup.low > 1, `${c.name} is shown faster than the exact one`);
    const hpvm = parseHpvm(fs.readFileSync(path.join(dir, 'first.txt'), 'utf8'));
    assert.deepEqual(hpvm.configurations.map((c) => c.layers), set.configurations.map((c) => c.layers));

    for (const c of set.configurations) {
      for (const file of ['first.json', 'first.txt']) {
        const r = await cli(['run', MODEL, '--input', INPUT, '--labels', LABELS, '--limit', String(TUNE),
          '--configs', path.join(dir, file), '--config', c.name, '--batch', '7', '--threads', '1', '--json']);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(JSON.parse(r.stdout).accuracy, c.accuracy, `${c.name} from ${file}`);
      }
    }

    const again: TuneProgress[] = [];
    const second = await tune(options('second'), { onProgress: (p) => again.push(p) });
    assert.equal(second.stats.profiled, 0, 'the second tuning profiled nothing');
    assert.equal(second.stats.cached, first.stats.profiled);
    assert.equal(second.stats.costModelCached, true);
    const profileEvents = again.filter((p) => p.phase === 'profile');
    assert.ok(profileEvents.every((p) => p.done === p.total), 'no profile was run');
    assert.ok(events.some((p) => p.phase === 'profile' && p.done < p.total), 'the first tuning did profile');
    assert.deepEqual(second.set.configurations.map((c) => c.layers), first.set.configurations.map((c) => c.layers));
  });

  it('keeps what it validated when cancelled', async () => {
    const controller = new AbortController();
    const out = path.join(dir, 'cancelled.json');
    const r = await tune(options('cancelled', { cacheDir: path.join(dir, 'cancel-cache') }), {
      signal: controller.signal,
      onProgress: (p) => p.phase === 'validate' && p.done >= 2 && controller.abort(),
    });
    assert.equal(r.cancelled, true);
    assert.ok(r.validated.length >= 2);
    const set = readConfigurationSet(out);
    assert.equal(set.partial, true);
    const validated = new Set(r.validated.map((v) => JSON.stringify(v.choice)));
    for (const c of set.configurations.slice(1)) assert.ok(validated.has(JSON.stringify(c.layers.map((s) => s[0].knob))), `${c.name} was validated`);
    const run = await cli(['run', MODEL, '--input', INPUT, '--limit', '5', '--configs', out, '--json']);
    assert.equal(run.code, 0, run.stderr);
  });
});
