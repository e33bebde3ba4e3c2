/**
 * The uncertainty of what the product reports: intervals of accuracies and accuracy losses (from per-sample
 * outcomes), and the rules that read them — a configuration is "not faster" when its speedup interval
 * reaches 1, and a loss is "within noise" when its interval holds 0. Speed intervals come from the native
 * runtime's measurement (mpx_measure); this module only reads them.
 */
import { Interval } from '../runtime/mpxrun';

const Z95 = 1.959963984540054;

/** Wilson score interval of an accuracy in percent: honest near 0 and 100 %, where the normal one is not. */
export function accuracyInterval(correct: number, samples: number): Interval {
  if (!(samples > 0) || correct < 0 || correct > samples) throw new RangeError(`accuracyInterval: ${correct} correct of ${samples}`);
  const p = correct / samples;
  const z2 = Z95 * Z95;
  const centre = (p + z2 / (2 * samples)) / (1 + z2 / samples);
  const half = (Z95 / (1 + z2 / samples)) * Math.sqrt((p * (1 - p)) / samples + z2 / (4 * samples * samples));
  return { estimate: 100 * p, low: 100 * Math.max(0, centre - half), high: 100 * Math.min(1, centre + half) };
}

/**
 * Accuracy points lost by a configuration against the exact one on the same samples: the mean of the paired
 * differences (exact right, configuration wrong: +1; the other way: −1) with its normal interval. Pairing
 * removes the samples both get right or wrong, which an unpaired comparison of two accuracies counts as noise.
 */
export function pairedLossInterval(exactCorrect: ArrayLike<boolean>, correct: ArrayLike<boolean>): Interval {
  const n = exactCorrect.length;
  if (n === 0 || correct.length !== n) throw new RangeError(`pairedLossInterval: ${n} and ${correct.length} outcomes`);
  let lost = 0;
  let gained = 0;
  for (let i = 0; i < n; i++) {
    if (exactCorrect[i] && !correct[i]) lost++;
    else if (!exactCorrect[i] && correct[i]) gained++;
  }
  const mean = (lost - gained) / n;
  // Variance of the per-sample difference d ∈ {−1, 0, 1}: E[d²] − mean².
  const variance = (lost + gained) / n - mean * mean;
  const half = n > 1 ? Z95 * Math.sqrt(Math.max(0, variance) / (n - 1)) : Infinity;
  return { estimate: 100 * mean, low: 100 * (mean - half), high: 100 * (mean + half) };
}

/** Which samples a configuration classified right. */
export function outcomes(predictions: ArrayLike<number>, labels: ArrayLike<number>): boolean[] {
  return Array.from({ length: predictions.length }, (_, i) => predictions[i] === labels[i]);
}

/** A speedup whose 95 % interval reaches 1.0 is not shown to be faster than the exact configuration. */
export const notFaster = (speedup: Interval): boolean => speedup.low <= 1;

/** A loss whose 95 % interval holds 0 cannot be told from no loss (nor from a gain) on this sample set. */
export const withinNoise = (loss: Interval): boolean => loss.low <= 0 && loss.high >= 0;

/** "1.42× [1.40, 1.45]": an interval as tables print it. */
export function formatInterval(i: Interval, digits = 2, unit = ''): string {
  return `${i.estimate.toFixed(digits)}${unit} [${i.low.toFixed(digits)}, ${i.high.toFixed(digits)}]`;
}
