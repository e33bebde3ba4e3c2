import { strict as assert } from 'node:assert';
import {
  aggregate, ContextRules, createStrategy, FixedStrategy, simulate, splitTrace, Trace, traceFromProfile,
} from '../src/core/adapt';
import { AdaptationStrategy } from '../src/core/adapt/engine';
import { ProfileRecord } from '../src/core/runtime/mpxrun';
import { Random } from './support/random';

/** A random trace: 3 configurations whose accuracy falls with their index. */
function randomTrace(seed: number, n: number): Trace {
  const rng = new Random(seed);
  const labels = Array.from({ length: n }, () => rng.int(0, 3));
  const predictions = [0.9, 0.8, 0.6].map((acc) => labels.map((y) => (rng.next() < acc ? y : (y + 1) % 4)));
  const confidences = predictions.map((p) => p.map(() => rng.uniform(0.3, 1)));
  return { name: 'random', labels, predictions, confidences, costs: [1, 0.6, 0.35], energies: [1, 0.7, undefined] };
}

/** Plays back a fixed list of indices: lets a test count switches and costs by hand. */
class Scripted implements AdaptationStrategy {
  private t = 0;
  constructor(private readonly script: number[]) {}
  get index() { return this.script[this.t]; }
  next() { this.t++; return this.index; }
  restrict() { return this.index; }
}

const accuracyOf = (trace: Trace, k: number) =>
  (100 * Array.from(trace.labels).filter((y, t) => trace.predictions[k][t] === y).length) / trace.labels.length;

describe('adaptation: trace simulation', () => {
  const trace = randomTrace(1, 500);

  it('with the exact configuration always: relative cost 1, exact accuracy, full agreement, no switches', () => {
    const r = simulate(trace, new FixedStrategy(3, 0));
    assert.equal(r.relativeCost, 1);
    assert.equal(r.relativeEnergy, 1);
    assert.equal(r.accuracy, accuracyOf(trace, 0));
    assert.equal(r.accuracy, r.exactAccuracy);
    assert.equal(r.loss, 0);
    assert.equal(r.agreement, 100);
    assert.equal(r.switches, 0);
    assert.deepEqual(r.share, [1, 0, 0]);
  });

  it('pinned at configuration k: relative cost = cost_k and accuracy = configuration k\'s', () => {
    for (const k of [1, 2]) {
      const r = simulate(trace, new FixedStrategy(3, k));
      assert.ok(Math.abs(r.relativeCost - trace.costs[k]) < 1e-12);
      assert.equal(r.accuracy, accuracyOf(trace, k));
      assert.ok(Math.abs(r.loss - (accuracyOf(trace, 0) - accuracyOf(trace, k))) < 1e-9);
    }
    assert.ok(Math.abs(simulate(trace, new FixedStrategy(3, 1)).relativeEnergy! - 0.7) < 1e-12);
    assert.equal(simulate(trace, new FixedStrategy(3, 2)).relativeEnergy, undefined); // conf2 energy unmeasured
  });

  it('counts switches, shares and cost along the timeline', () => {
    const small: Trace = {
      name: 'small', labels: [0, 1, 0, 1, 0, 1],
      predictions: [[0, 1, 0, 1, 0, 1], [0, 0, 0, 1, 1, 1], [1, 1, 1, 1, 1, 1]],
      confidences: [[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1]],
      costs: [1, 0.5, 0.25],
    };
    const r = simulate(small, new Scripted([0, 0, 1, 1, 2, 0]));
    // indices 0 0 1 1 2 0 → 3 switches; chosen predictions 0 1 0 1 1 1 vs labels 0 1 0 1 0 1 → 5 right
    assert.deepEqual(Array.from(r.timeline.index), [0, 0, 1, 1, 2, 0]);
    assert.deepEqual(Array.from(r.timeline.correct), [1, 1, 1, 1, 0, 1]);
    assert.equal(r.switches, 3);
    assert.ok(Math.abs(r.accuracy - 500 / 6) < 1e-9);
    assert.ok(Math.abs(r.agreement - 500 / 6) < 1e-9);
    assert.ok(Math.abs(r.relativeCost - (1 + 1 + 0.5 + 0.5 + 0.25 + 1) / 6) < 1e-12);
    assert.deepEqual(r.share, [3 / 6, 2 / 6, 1 / 6]);
  });

  it('applies context before each sample so that the rules govern the configuration it runs on', () => {
    const modes = ['normal', 'saver', 'saver', 'normal', 'saver'];
    const withContext: Trace = {
      ...trace, labels: [0, 0, 0, 0, 0], predictions: trace.predictions.map(() => [0, 0, 0, 0, 0]),
      confidences: trace.confidences.map(() => [1, 1, 1, 1, 1]),
      context: modes.map((mode) => ({ battery: 50, charging: false, mode })),
    };
    const rules = new ContextRules(new FixedStrategy(3, 0), [{ mode: 'saver', min: 2, max: 2 }], 3);
    assert.deepEqual(Array.from(simulate(withContext, rules).timeline.index), [0, 2, 2, 0, 2]);
  });

  it('splits by group in file order and pools or averages the traces', () => {
    const groups = Array.from({ length: 500 }, (_, t) => (t < 120 ? 7 : t < 300 ? 3 : 7));
    const parts = splitTrace(trace, groups);
    assert.deepEqual(parts.map((p) => [p.name, p.labels.length]), [['random/7', 320], ['random/3', 180]]);
    assert.deepEqual(parts[1].labels, Array.from(trace.labels).slice(120, 300));
    const p2 = Array.from(trace.predictions[2]);
    assert.deepEqual(parts[0].predictions[2], [...p2.slice(0, 120), ...p2.slice(300)]);

    const results = parts.map((p) => simulate(p, createStrategy({ kind: 'naive' }, { count: 3 })));
    const { pooled, meanPerTrace } = aggregate(results);
    const right = results[0].counts.correct + results[1].counts.correct;
    assert.ok(Math.abs(pooled.accuracy - (100 * right) / 500) < 1e-9);
    assert.ok(Math.abs(meanPerTrace.accuracy - (results[0].accuracy + results[1].accuracy) / 2) < 1e-9);
    assert.ok(Math.abs(pooled.relativeCost - (results[0].counts.cost + results[1].counts.cost) / 500) < 1e-12);
    assert.equal(pooled.switches, results[0].switches + results[1].switches);
    assert.ok(Math.abs(pooled.share.reduce((a, b) => a + b) - 1) < 1e-12);
  });

  it('rejects a trace whose arrays disagree, naming it', () => {
    const bad = { ...trace, name: 'broken', confidences: [trace.confidences[0], trace.confidences[1]] };
    assert.throws(() => simulate(bad, new FixedStrategy(3)), /broken has 3 costs but/);
  });
});

describe('adaptation: traces from profiled records', () => {
  const point = (estimate: number) => ({ estimate, low: estimate, high: estimate });
  // A timed record as mpxrun profile gives it: the speedup over configuration 0 of the same measurement.
  const record = (index: number, speedup: number, energy: number | null, predictions: number[], confidences: number[]): ProfileRecord => ({
    type: 'config', index, name: `conf${index}`, samples: predictions.length, accuracy: 0, correct: 0, predictions, confidences,
    confidence: { mean: null, correct: null, wrong: null, perClass: [] }, energyJoules: energy, latencyMsPerSample: 1 / speedup,
    timing: {
      method: 'interleaved-rounds', clock: 'thread-cpu', latencyMsPerSample: point(1 / speedup), cpuMsPerSample: point(1 / speedup),
      wallMsPerSample: point(1 / speedup), speedup: point(speedup), cyclesPerSample: null, instructionsPerSample: null, rounds: 10,
      samplesPerUnit: 1, converged: true, cpu: 'test', kernels: 'portable',
    },
  });

  it('orders records by index and makes costs and energies relative to configuration 0', () => {
    const t = traceFromProfile([
      record(1, 2, 3, [1, 1], [0.6, 0.7]), record(0, 1, 12, [0, 1], [0.9, 0.8]),
    ], [0, 1], { name: 'p' });
    assert.deepEqual(t.costs, [1, 0.5]);
    assert.deepEqual(t.energies, [1, 0.25]);
    assert.deepEqual(t.predictions, [[0, 1], [1, 1]]);
  });

  it('recomputes predictions and calibrated confidences from logits', () => {
    // sample 0 logits (0, ln 3): at T = 0.5 → 9/10 for class 1; sample 1 (ln 3, 0) → 0.9 for class 0
    const logits = [new Float32Array([0, Math.log(3), Math.log(3), 0])];
    const t = traceFromProfile([record(0, 1, null, [0, 0], [0, 0])], [1, 0], { logits, classes: 2, temperature: 0.5 });
    assert.deepEqual(Array.from(t.predictions[0]), [1, 0]);
    Array.from(t.confidences[0]).forEach((c) => assert.ok(Math.abs(c - 0.9) < 1e-6));
    assert.equal(t.energies, undefined);
  });

  it('says which configuration is missing or lacks per-sample outputs', () => {
    assert.throws(() => traceFromProfile([record(1, 1, null, [0], [1])], [0]), /no record for configuration 0/);
    const r = record(0, 1, null, [0], [1]);
    delete r.predictions;
    assert.throws(() => traceFromProfile([r], [0]), /conf0 has no per-sample predictions; profile with --per-sample/);
    const untimed = record(0, 1, null, [0], [1]);
    delete untimed.timing;
    assert.throws(() => traceFromProfile([untimed], [0]), /conf0 has no timing/);
  });
});
