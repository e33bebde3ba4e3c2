/**
 * The interval arithmetic behind every reported loss and the rules that read intervals: Wilson intervals of
 * accuracies, paired intervals of losses, "not faster" and "within noise".
 */
import * as assert from 'node:assert/strict';
import { accuracyInterval, formatInterval, notFaster, outcomes, pairedLossInterval, withinNoise } from '../src/core/stats/intervals';
import { measurementNotes } from '../src/core/stats/describe';

const close = (a: number, b: number, eps = 1e-3) => assert.ok(Math.abs(a - b) < eps, `${a} ≠ ${b}`);

describe('stats: intervals', () => {
  it('gives the Wilson interval of an accuracy, inside [0, 100] even at the ends', () => {
    const i = accuracyInterval(80, 100); // textbook: 0.7112 – 0.8666
    close(i.estimate, 80);
    close(i.low, 71.12, 0.01);
    close(i.high, 86.66, 0.01);
    const all = accuracyInterval(50, 50);
    assert.equal(all.high, 100);
    assert.ok(all.low > 90 && all.low < 100, `${all.low}`);
    assert.ok(accuracyInterval(0, 10).low === 0);
    assert.throws(() => accuracyInterval(11, 10), /11 correct of 10/);
  });

  it('pairs losses by sample: the same accuracy reached on other samples is noise, a consistent loss is not', () => {
    const n = 400;
    const exact = Array.from({ length: n }, (_, i) => i % 4 !== 0); // 75 %
    // loses 20 samples the exact one got right, and nothing else: 5 points, every pair agreeing otherwise
    const lossy = exact.map((c, i) => c && i >= 30);
    const lost = pairedLossInterval(exact, lossy);
    close(lost.estimate, 100 * (exact.filter((c, i) => c && i < 30).length / n));
    assert.ok(lost.low > 0, `a consistent loss is told from noise: ${formatInterval(lost)}`);
    // swaps 20 right for 20 wrong: no loss on average, wide interval around 0
    let right = 0;
    let wrong = 0;
    const shuffled = exact.map((c) => (c ? right++ < 20 : wrong++ < 20) ? !c : c);
    const noise = pairedLossInterval(exact, shuffled);
    assert.ok(withinNoise(noise), `a swap of right for wrong is within noise: ${formatInterval(noise)}`);
    close(noise.high, -noise.low);
    assert.deepEqual(pairedLossInterval(exact, exact), { estimate: 0, low: 0, high: 0 });
    assert.throws(() => pairedLossInterval(exact, exact.slice(1)), /400 and 399 outcomes/);
  });

  it('reads outcomes from predictions and labels', () => {
    assert.deepEqual(outcomes([1, 2, 3], [1, 0, 3]), [true, false, true]);
  });

  it('calls a speedup whose interval reaches 1 not faster, and says so in the notes', () => {
    assert.equal(notFaster({ estimate: 1.05, low: 0.99, high: 1.1 }), true);
    assert.equal(notFaster({ estimate: 1.05, low: 1.01, high: 1.1 }), false);
    assert.equal(notFaster({ estimate: 0.8, low: 0.78, high: 0.82 }), true);
    const timing = (low: number) => ({ speedup: { estimate: 1.1, low, high: 1.2 } }) as never;
    assert.deepEqual(measurementNotes({ speedup: 1.1, accuracy: 90, qosLoss: 0.5, qosLossInterval: [-0.2, 1.2], timing: timing(0.98) }),
      ['not faster', 'loss within noise']);
    assert.deepEqual(measurementNotes({ speedup: 1.1, accuracy: 90, qosLoss: 0.5, qosLossInterval: [0.1, 0.9], timing: timing(1.02) }), []);
  });
});
