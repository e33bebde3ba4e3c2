/**
 * End to end on real data: har-cnn on the UCI-HAR test set through the native runtime under three
 * configurations, one trace per test subject, calibrated and replayed by the strategies.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  aggregate, calibrateConfigurations, calibratedOutputs, confidenceThresholds, createStrategy, simulate,
  splitTrace, Trace, traceFromProfile,
} from '../src/core/adapt';
import { readNpy } from '../src/core/data/npy';
import { Configuration, formatHpvm } from '../src/core/knobs/configuration';
import { ProfileRecord, profileModel, runModel } from '../src/core/runtime/mpxrun';
import { PreparedData, prepareData } from '../src/core/runtime/prepare';
import { SHARED, requireRuntime, requireShared } from './support/engine';

const CLASSES = 6;
/** Main-slot knob per layer: exact; perforation and fp16 (lossless on this model); heavier fp16 sampling. */
const LADDER = [[11, 11, 11, 11], [151, 122, 155, 12], [269, 156, 151, 12]];

describe('adaptation: har-cnn on the UCI-HAR test subjects (real data)', function () {
  this.timeout(600000);
  let data: PreparedData;
  let records: ProfileRecord[];
  let logits: Float32Array[];
  let labels: number[];
  let subjects: number[];

  before(async function () {
    requireShared(this, 'models/har-cnn.onnx', 'datasets/uci-har/test_x.npy', 'datasets/uci-har/test_subject.npy');
    requireRuntime(this);
    const har = path.join(SHARED, 'datasets/uci-har');
    data = prepareData({
      model: path.join(SHARED, 'models/har-cnn.onnx'), input: path.join(har, 'test_x.npy'), labels: path.join(har, 'test_y.npy'),
      preprocessing: { standardize: true },
    });
    const configurations: Configuration[] = LADDER.map((knobs, k) => ({
      name: `conf${k}`, speedup: 1, energy: 1, accuracy: 0, qosLoss: 0,
      layers: data.model.layers.map((layer, l) => layer.slots.map((slot, j) => ({ op: slot.op, knob: j === 0 ? knobs[l] : 11 }))),
    }));
    const configs = path.join(data.workDir, 'ladder.txt');
    fs.writeFileSync(configs, formatHpvm({ baselineTime: 0, configurations }));
    records = [];
    for await (const r of profileModel(data.mpxmPath, data.inputPath, data.labelsPath!, configs, { perSample: true, threads: 1, timing: true })) records.push(r);
    logits = [];
    for (let k = 0; k < LADDER.length; k++) {
      const out = path.join(data.workDir, `logits${k}.npy`);
      await runModel(data.mpxmPath, data.inputPath, { configs, config: k, saveOutputs: out, threads: 1 });
      logits.push(readNpy(out).data as Float32Array);
    }
    labels = Array.from(readNpy(path.join(har, 'test_y.npy')).data as ArrayLike<number>);
    subjects = Array.from(readNpy(path.join(har, 'test_subject.npy')).data as ArrayLike<number>);
  });

  after(() => data?.dispose());

  it('replays the exact configuration at the published accuracy, cost 1, over 9 subject traces', () => {
    const traces = splitTrace(traceFromProfile(records, labels, { name: 'uci-har' }), subjects);
    assert.equal(traces.length, 9);
    assert.equal(traces.reduce((n, t) => n + t.labels.length, 0), 2947);
    const { pooled } = aggregate(traces.map((t) => simulate(t, createStrategy({ kind: 'fixed', index: 0 }, { count: 3 }))));
    assert.ok(Math.abs(pooled.accuracy - 91.14) < 0.1, `exact accuracy ${pooled.accuracy} (README: 91.14 %)`);
    assert.ok(Math.abs(pooled.accuracy - records[0].accuracy) < 1e-6);
    assert.equal(pooled.relativeCost, 1);
  });

  it('finds the same predictions in the saved logits as in the profiled per-sample records', () => {
    logits.forEach((l, k) => {
      const { predictions, confidences } = calibratedOutputs(l, CLASSES, 1);
      assert.deepEqual(Array.from(predictions), records[k].predictions);
      confidences.forEach((c, s) => assert.ok(Math.abs(c - records[k].confidences![s]) < 1e-5));
    });
  });

  it('calibrates each configuration on the other subjects and keeps the budget on each held-out one', () => {
    const groups = [...new Set(subjects)];
    const results = groups.map((g) => {
      const calibrating = subjects.map((s) => s !== g);
      const rows = (l: Float32Array) => l.filter((_, i) => calibrating[Math.floor(i / CLASSES)]);
      const y = labels.filter((_, t) => calibrating[t]);
      const calibration = calibrateConfigurations(logits.map(rows), y, CLASSES);
      calibration.forEach(({ fit }) => {
        assert.ok(fit.nllAfter <= fit.nllBefore);
        assert.ok(fit.eceAfter < fit.eceBefore, `ECE ${fit.eceBefore} → ${fit.eceAfter}`);
      });
      const thresholds = confidenceThresholds(calibration.map((c) => c.triples));
      const trace: Trace = splitTrace(traceFromProfile(records, labels, {
        logits, classes: CLASSES, temperature: calibration.map((c) => c.fit.temperature),
      }), subjects).find((t) => t.name.endsWith(`/${g}`))!;
      const costs = [1, 0.45, 0.4]; // the cost model's figures for these knobs, not this host's timings
      return simulate({ ...trace, costs }, createStrategy({ kind: 'budget', budget: 0.5 }, { count: 3, thresholds, costs }));
    });
    // the documented bound: B + (largest cost − B) / samples
    results.forEach((r) => assert.ok(r.relativeCost <= 0.5 + 0.5 / r.counts.samples, `${r.trace}: cost ${r.relativeCost}`));
    assert.ok(aggregate(results).pooled.accuracy > 80);
  });
});
