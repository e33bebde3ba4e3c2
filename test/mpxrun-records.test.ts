/**
 * mpxrun's JSON lines are checked against the records TypeScript reads (src/core/runtime/mpxrunRecords.ts): a
 * field the runtime renames, drops or prints as another type is named with its value.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { exactConfiguration, formatHpvm } from '../src/core/knobs/configuration';
import { calibrateModel, measureModel, modelInfo, profileModel, runModel } from '../src/core/runtime/mpxrun';
import { parseCalibrationRecord, parseInfoRecord, parseRunRecord, parseStreamRecord } from '../src/core/runtime/mpxrunRecords';
import { prepareData } from '../src/core/runtime/prepare';

const MEDIA = path.resolve(__dirname, '../../media');

const interval = { estimate: 1, low: 0.9, high: 1.1 };
const timing = {
  method: 'interleaved-rounds', clock: 'thread-cpu', latencyMsPerSample: interval, cpuMsPerSample: interval, wallMsPerSample: interval,
  speedup: interval, cyclesPerSample: null, instructionsPerSample: 1e6, rounds: 8, samplesPerUnit: 4, converged: true, cpu: 'x', kernels: 'avx2',
};
const outcome = {
  type: 'config', index: 1, name: 'conf1', samples: 2, accuracy: 50, correct: 1, predictions: [0, 1], confidences: [0.9, null],
  confidence: { mean: 0.8, correct: 0.9, wrong: null, perClass: [{ mean: 0.9, correct: 0.9, wrong: null }] }, energyJoules: null,
};
const line = (o: unknown) => JSON.stringify(o);

describe("mpxrun's records, checked", () => {
  it('passes the records mpxrun prints, unknown fields included', () => {
    assert.equal(parseRunRecord(line({ config: 'conf0', configIndex: 0, samples: 2, batch: 1, threads: 1, timed: false })).config, 'conf0');
    assert.equal(parseStreamRecord(line(outcome)).type, 'config');
    assert.equal(parseStreamRecord(line({ type: 'timing', index: 1, name: 'conf1', threads: 1, batch: 1, latencyMsPerSample: 1, timing })).type, 'timing');
    assert.throws(() => parseStreamRecord(line({ type: 'timing', index: 1, name: 'conf1', threads: 1, batch: 1, latencyMsPerSample: 1, timing,
      opTimes: [{ name: 'conv', msPerSample: interval, speedup: null }] })), /opTimes\[0\]\.speedup is null/);
    assert.equal(parseStreamRecord(line({ type: 'done', count: 2 })).type, 'done');
    assert.equal(parseCalibrationRecord(line({ type: 'calibration', samples: 4, layers: [{ layer: 1, op: 'c', min: 0, max: 1, q: 'q=0.1,0' }] })).samples, 4);
  });

  it('names the record, the field and the value that differ', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => parseRunRecord(line({ config: 'conf0', configIndex: '0', samples: 2, batch: 1, threads: 1 })), /a run record whose configIndex is "0", not an integer/],
      [() => parseRunRecord(line({ config: 'conf0', configIndex: 0, samples: 2, batch: 1, threads: 1, timing: { ...timing, speedup: { ...interval, low: null } } })),
        /a run record whose timing\.speedup\.low is null, not a number/],
      [() => parseStreamRecord(line({ ...outcome, predictions: [0, 1.5] })), /a profile record whose predictions\[1\] is 1\.5, not an integer/],
      [() => parseStreamRecord(line({ ...outcome, confidence: { ...outcome.confidence, perClass: [{ mean: 'x' }] } })),
        /confidence\.perClass\[0\]\.mean is "x", not a number or null/],
      [() => parseStreamRecord(line({ ...outcome, accuracy: undefined })), /a profile record whose accuracy is missing, not a number/],
      [() => parseStreamRecord(line({ type: 'timings' })), /type is "timings", not "config", "timing" or "done"/],
      [() => parseStreamRecord(line({ type: 'timing', index: 1, name: 'c', threads: 1, batch: 1, latencyMsPerSample: 1, timing: { ...timing, clock: 'cpu' } })),
        /timing\.clock is "cpu", not "thread-cpu" or "wall"/],
      [() => parseStreamRecord('{"type":'), /mpxrun printed a line that is not a JSON record: \{"type":/],
      [() => parseInfoRecord(line({ input: { name: 'x', dims: [3], size: 3 }, outputs: [], ops: 1, layers: [{ index: 1, slots: [{ op: 'conv', opIndex: '0', opName: 'c' }] }] })),
        /an info record whose layers\[0\]\.slots\[0\]\.opIndex is "0", not an integer/],
    ];
    for (const [parse, message] of cases) assert.throws(parse, message);
  });

  it('every record the host runtime prints passes (run, profile, measure, calibrate)', async function () {
    this.timeout(120_000);
    const data = prepareData({ model: path.join(MEDIA, 'models/har-mobiprox.onnx'), input: path.join(MEDIA, 'data/har-test-x.npy'), labels: path.join(MEDIA, 'data/har-test-y.npy'), limit: 16 });
    try {
      const configs = path.join(data.workDir, 'configs.txt');
      const exact = exactConfiguration(data.model.layers.map((l) => l.slots.map((s) => s.op)));
      fs.writeFileSync(configs, formatHpvm({ baselineTime: 0, configurations: [exact, { ...exact, name: 'conf1' }] }));
      const timed = { maxSeconds: 0.2, minSeconds: 0.1 };
      assert.ok((await runModel(data.mpxmPath, data.inputPath, { labels: data.labelsPath, opTimes: true, timing: timed })).timing);
      const records = [];
      for await (const r of profileModel(data.mpxmPath, data.inputPath, data.labelsPath!, configs, { perSample: true, opTimes: true, timing: timed })) records.push(r);
      assert.equal(records.length, 2);
      assert.equal((await measureModel(data.mpxmPath, data.inputPath, configs, { timing: timed })).length, 2);
      const [base, other] = await measureModel(data.mpxmPath, data.inputPath, configs, { timing: timed, opTimes: true });
      const info = await modelInfo(data.mpxmPath);
      assert.equal(base.opTimes?.length, info.ops);
      assert.ok(base.opTimes!.every((o) => o.speedup.estimate === 1 && o.msPerSample.estimate > 0), 'the baseline\'s ops: speedup 1');
      assert.ok(other.opTimes!.every((o, i) => o.name === base.opTimes![i].name && o.speedup.low <= o.speedup.estimate));
      assert.ok((await calibrateModel(data.mpxmPath, data.inputPath)).layers.length > 0);
      assert.equal((await modelInfo(data.mpxmPath)).layers.length, data.model.layers.length);
    } finally {
      data.dispose();
    }
  });
});
