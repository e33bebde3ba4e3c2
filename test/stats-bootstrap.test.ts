/**
 * The intervals of the reproduction's trace figures: the block bootstrap of a mean over traces, the paired
 * intervals of accuracy, loss and agreement it gives from per-sample outcomes, and the relative cost
 * interval of a replay from the configurations' speedup intervals.
 */
import * as assert from 'node:assert/strict';
import { aggregate, FixedStrategy, relativeCostInterval, replayOutcomes, simulate, splitTrace, Trace } from '../src/core/adapt';
import { blockBootstrapMean } from '../src/core/stats/bootstrap';
import { accuracyInterval } from '../src/core/stats/intervals';
import { outcomeIntervals } from '../src/core/stats/outcomeIntervals';
import { Random } from './support/random';

const width = (i: { low: number; high: number }) => i.high - i.low;
const close = (a: number, b: number, eps: number) => assert.ok(Math.abs(a - b) <= eps, `${a} ≠ ${b} (± ${eps})`);

describe('stats: block bootstrap', () => {
  it('gives a constant trace an interval of zero width', () => {
    assert.deepEqual(blockBootstrapMean([new Array(500).fill(1)]), { estimate: 1, low: 1, high: 1 });
    const i = blockBootstrapMean([new Array(300).fill(0.7), new Array(200).fill(0.7)]);
    assert.ok(width(i) < 1e-12 && Math.abs(i.estimate - 0.7) < 1e-12, JSON.stringify(i));
  });

  it('keeps each trace\'s length: traces constant within themselves pool to a fixed mean', () => {
    // 3 ones and 1 zero in separate traces: 0.75 in every resample. Resampling the pooled samples would not be.
    assert.deepEqual(blockBootstrapMean([[1, 1, 1], [0]]), { estimate: 0.75, low: 0.75, high: 0.75 });
  });

  it('of independent samples, with blocks of 1, agrees with the Wilson interval', () => {
    const values = Array.from({ length: 1000 }, (_, i) => (i % 5 === 0 ? 0 : 100)); // 800 of 1000
    const boot = blockBootstrapMean([values], { block: 1 });
    const wilson = accuracyInterval(800, 1000); // 77.41 – 82.36
    close(boot.estimate, 80, 1e-9);
    close(boot.low, wilson.low, 0.4);
    close(boot.high, wilson.high, 0.4);
  });

  it('widens for runs of correlated samples, which single-sample resampling calls too sure', () => {
    const runs = Array.from({ length: 1000 }, (_, i) => (Math.floor(i / 50) % 2 === 0 ? 1 : 0));
    const plain = blockBootstrapMean([runs], { block: 1 });
    const blocked = blockBootstrapMean([runs]); // ⌈1000^(1/3)⌉ = 10
    assert.ok(width(blocked) > 2 * width(plain), `block ${width(blocked)} vs plain ${width(plain)}`);
  });

  it('is the same for the same seed, and refuses what it cannot resample', () => {
    const rng = new Random(3);
    const values = Array.from({ length: 400 }, () => rng.next());
    assert.deepEqual(blockBootstrapMean([values], { seed: 7 }), blockBootstrapMean([values], { seed: 7 }));
    assert.notDeepEqual(blockBootstrapMean([values], { seed: 7 }), blockBootstrapMean([values], { seed: 8 }));
    assert.throws(() => blockBootstrapMean([[], []]), /no samples/);
    assert.throws(() => blockBootstrapMean([[1, 2]], { block: 0 }), /block is a positive whole number of samples, not 0/);
    assert.throws(() => blockBootstrapMean([[1, NaN]]), /Value 1 of trace 0 is NaN/);
  });
});

describe('stats: outcome intervals', () => {
  it('gives identical predictions a loss of exactly [0, 0] and full agreement', () => {
    const labels = [0, 1, 2, 0, 1, 2, 0, 1];
    const exact = [0, 1, 1, 0, 2, 2, 0, 0];
    const i = outcomeIntervals([{ predicted: exact, exact, labels }]);
    assert.deepEqual(i.loss, { estimate: 0, low: 0, high: 0 });
    assert.deepEqual(i.agreement, { estimate: 100, low: 100, high: 100 });
    assert.equal(i.accuracy.estimate, 62.5);
    assert.ok(i.accuracy.low < 62.5 && i.accuracy.high > 62.5);
  });

  it('tells a consistent loss from noise, paired by sample', () => {
    const rng = new Random(5);
    const labels = Array.from({ length: 2000 }, () => rng.int(0, 3));
    const exact = labels.map((y) => (rng.next() < 0.85 ? y : (y + 1) % 4));
    // Wrong wherever the exact one is wrong, and on 3 % of the rest: a loss of ~2.5 points, never a gain.
    const worse = exact.map((p, t) => (p === labels[t] && rng.next() < 0.03 ? (p + 1) % 4 : p));
    const i = outcomeIntervals([{ predicted: worse, exact, labels }]);
    assert.ok(i.loss.low > 0, JSON.stringify(i.loss));
    // Unpaired, the two accuracies' intervals overlap: the pairing is what shows the loss.
    const acc = (p: number[]) => accuracyInterval(p.filter((v, t) => v === labels[t]).length, labels.length);
    assert.ok(acc(worse).high > acc(exact).low);
    assert.throws(() => outcomeIntervals([{ predicted: worse.slice(1), exact, labels }]), /1999 predictions and 2000 exact ones for 2000 labels/);
  });
});

describe('adaptation: replay intervals', () => {
  it('bootstraps a replay around the figures the simulation pooled', () => {
    const rng = new Random(11);
    const n = 900;
    const labels = Array.from({ length: n }, () => rng.int(0, 5));
    const predictions = [0.9, 0.7].map((acc) => labels.map((y) => (rng.next() < acc ? y : (y + 1) % 6)));
    const whole: Trace = { name: 'w', labels, predictions, confidences: predictions.map((p) => p.map(() => 1)), costs: [1, 0.5] };
    const traces = splitTrace(whole, labels.map((_, t) => (t < 300 ? 1 : 2)));
    const results = traces.map((t) => simulate(t, new FixedStrategy(2, 1)));
    const pooled = aggregate(results).pooled;
    const i = outcomeIntervals(traces.map((t, s) => replayOutcomes(t, results[s])));
    close(i.accuracy.estimate, pooled.accuracy, 1e-9);
    close(i.loss.estimate, pooled.loss, 1e-9);
    close(i.agreement.estimate, pooled.agreement, 1e-9);
    for (const v of Object.values(i)) assert.ok(v.low < v.estimate && v.estimate < v.high, JSON.stringify(v));
    // The cost the replay summed, from the speedups its costs are the inverses of.
    const cost = relativeCostInterval(pooled.share, [{ estimate: 1, low: 1, high: 1 }, { estimate: 2, low: 1.8, high: 2.2 }]);
    close(cost.estimate, pooled.relativeCost, 1e-12);
    assert.ok(cost.low < cost.estimate && cost.estimate < cost.high);
  });

  it('bounds the relative cost by the speedups\' interval ends', () => {
    const exact = { estimate: 1, low: 1, high: 1 };
    const i = relativeCostInterval([0.5, 0.5, 0], [exact, { estimate: 2, low: 1.6, high: 2.5 }, { estimate: 3, low: 0, high: 4 }]);
    close(i.estimate, 0.75, 1e-12);
    close(i.low, 0.5 + 0.5 / 2.5, 1e-12);
    close(i.high, 0.5 + 0.5 / 1.6, 1e-12);
    assert.deepEqual(relativeCostInterval([1, 0], [exact, { estimate: 2, low: 1.9, high: 2.1 }]), { estimate: 1, low: 1, high: 1 });
    assert.throws(() => relativeCostInterval([0.5, 0.5], [exact, { estimate: 2, low: 0, high: 2 }]), /Configuration 1 has speedup 0/);
    assert.throws(() => relativeCostInterval([1], [exact, exact]), /1 shares for 2 speedups/);
  });
});
