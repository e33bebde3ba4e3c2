import { strict as assert } from 'node:assert';
import {
  calibratedOutputs, confidenceTriples, expectedCalibrationError, fitTemperature, negativeLogLikelihood, softmax,
} from '../src/core/adapt/calibration';
import { Random } from './support/random';

/**
 * Samples from a perfectly calibrated model: logits z per sample, label drawn from softmax(z). Feeding
 * z·T0 makes the model over- (T0 > 1) or under-confident (T0 < 1), and T = T0 undoes it exactly.
 */
function calibratedModel(seed: number, samples: number, classes: number, scale: number) {
  const rng = new Random(seed);
  const z = new Float64Array(samples * classes);
  const labels = new Int32Array(samples);
  for (let s = 0; s < samples; s++) {
    for (let j = 0; j < classes; j++) z[s * classes + j] = scale * rng.normal();
    const p = softmax(z.subarray(s * classes, (s + 1) * classes));
    let u = rng.next();
    let y = 0;
    while (y < classes - 1 && (u -= p[y]) > 0) y++;
    labels[s] = y;
  }
  return { z, labels };
}

describe('adaptation: temperature calibration', () => {
  it('computes softmax with a temperature without overflowing on large logits', () => {
    const p = softmax([1000, 1001], 1);
    assert.ok(Math.abs(p[1] - 1 / (1 + Math.exp(-1))) < 1e-12);
    const q = softmax([0, Math.log(3)], 0.5); // exp(2·ln 3) = 9 → 9/10
    assert.ok(Math.abs(q[1] - 0.9) < 1e-12);
  });

  for (const t0 of [2.5, 0.6]) {
    it(`recovers a known temperature T0 = ${t0} and lowers the calibration error`, () => {
      const { z, labels } = calibratedModel(3, 20000, 5, 2);
      const scaled = z.map((v) => v * t0);
      const fit = fitTemperature(scaled, labels, 5);
      assert.ok(Math.abs(fit.temperature - t0) / t0 < 0.05, `T = ${fit.temperature}, expected ≈ ${t0}`);
      assert.ok(fit.nllAfter < fit.nllBefore);
      assert.ok(fit.eceAfter < fit.eceBefore / 3, `ECE ${fit.eceBefore} → ${fit.eceAfter}`);
      assert.ok(fit.eceAfter < 0.02);
      // the fitted T is a minimum of the NLL
      for (const f of [1.05, 1 / 1.05]) {
        assert.ok(negativeLogLikelihood(scaled, labels, 5, fit.temperature * f) > fit.nllAfter);
      }
    });
  }

  it('leaves predictions unchanged and only reshapes confidences', () => {
    const { z } = calibratedModel(5, 200, 4, 3);
    const a = calibratedOutputs(z, 4, 1);
    const b = calibratedOutputs(z, 4, 3);
    assert.deepEqual(a.predictions, b.predictions);
    a.confidences.forEach((c, s) => assert.ok(b.confidences[s] <= c && b.confidences[s] >= 0.25));
  });

  it('computes the ECE over 15 equal-width bins', () => {
    // bin 14 (0.933…1]: 4 samples at 0.95, 3 right → |0.75 − 0.95|; bin 8: 2 samples at 0.55, 1 right → |0.5 − 0.55|
    // ECE = (4·0.2 + 2·0.05) / 6 = 0.15; a confidence of exactly 1 joins the last bin
    const ece = expectedCalibrationError([0, 0, 0, 1, 2, 2], [0.95, 0.95, 0.95, 0.95, 0.55, 0.55], [0, 0, 0, 0, 2, 1]);
    assert.ok(Math.abs(ece - 0.15) < 1e-12);
    assert.equal(expectedCalibrationError([1], [1], [1]), 0);
  });

  it('averages confidences per predicted class in the configuration file layout, null when empty', () => {
    // predictions 0 0 1 1 ; labels 0 1 1 1 ; confidences .9 .5 .8 .6 ; class 2 never predicted
    const t = confidenceTriples([0, 0, 1, 1], [0.9, 0.5, 0.8, 0.6], [0, 1, 1, 1], 3);
    const r = (v: number | null) => (v === null ? null : Math.round(v * 1e9) / 1e9);
    assert.deepEqual(t.map((x) => [r(x.mean), r(x.correct), r(x.wrong)]), [
      [0.7, r((0.9 + 0.8 + 0.6) / 3), 0.5],
      [0.7, 0.9, 0.5],
      [0.7, 0.7, null],
      [null, null, null],
    ]);
  });

  it('names what is wrong with its input', () => {
    assert.throws(() => fitTemperature([1, 2, 3], [0], 2), /do not split into rows of 2/);
    assert.throws(() => fitTemperature([1, 2, 3, 4], [0], 2), /2 rows of logits but 1 labels/);
    assert.throws(() => fitTemperature([1, 2], [5], 2), /Label 5 of sample 0/);
  });
});
