/**
 * Temperature scaling (Guo et al., 2017): one T > 0 for softmax(logits / T), fitted by minimising the
 * negative log-likelihood on validation logits, and the expected calibration error to show what it bought.
 * Logits are flat row-major [samples × classes], as read from an .npy file.
 */
import { MobiproxError } from '../errors';
import { ConfidenceMeans } from './confidenceDriven';

/** softmax(logits / T), max-subtracted so that large logits cannot overflow. */
export function softmax(logits: ArrayLike<number>, temperature = 1): Float64Array {
  let max = -Infinity;
  for (let j = 0; j < logits.length; j++) if (logits[j] > max) max = logits[j];
  const p = new Float64Array(logits.length);
  let sum = 0;
  for (let j = 0; j < logits.length; j++) sum += p[j] = Math.exp((logits[j] - max) / temperature);
  for (let j = 0; j < p.length; j++) p[j] /= sum;
  return p;
}

/** Predicted class (the first maximum) and its calibrated confidence, for every sample. */
export function calibratedOutputs(logits: ArrayLike<number>, classes: number, temperature = 1): { predictions: Int32Array; confidences: Float64Array } {
  const n = sampleCount(logits, classes);
  const predictions = new Int32Array(n);
  const confidences = new Float64Array(n);
  for (let s = 0; s < n; s++) {
    const row = Array.prototype.slice.call(logits, s * classes, (s + 1) * classes) as number[];
    const p = softmax(row, temperature);
    let best = 0;
    for (let j = 1; j < classes; j++) if (p[j] > p[best]) best = j;
    predictions[s] = best;
    confidences[s] = p[best];
  }
  return { predictions, confidences };
}

/** Mean −log softmax(logits / T)[label]. */
export function negativeLogLikelihood(logits: ArrayLike<number>, labels: ArrayLike<number>, classes: number, temperature: number): number {
  const n = checkLabels(logits, labels, classes);
  let total = 0;
  for (let s = 0; s < n; s++) {
    const o = s * classes;
    let max = -Infinity;
    for (let j = 0; j < classes; j++) if (logits[o + j] > max) max = logits[o + j];
    let sum = 0;
    for (let j = 0; j < classes; j++) sum += Math.exp((logits[o + j] - max) / temperature);
    total += Math.log(sum) - (logits[o + labels[s]] - max) / temperature;
  }
  return total / n;
}

/**
 * Expected calibration error over equal-width confidence bins: Σ_bins |bin| / N · |accuracy − mean
 * confidence|. A confidence of exactly 1 falls in the last bin.
 */
export function expectedCalibrationError(predictions: ArrayLike<number>, confidences: ArrayLike<number>, labels: ArrayLike<number>, bins = 15): number {
  const n = labels.length;
  if (predictions.length !== n || confidences.length !== n) {
    throw new MobiproxError(`ECE needs one prediction and confidence per label: ${predictions.length} predictions, ${confidences.length} confidences, ${n} labels.`);
  }
  const count = new Float64Array(bins);
  const correct = new Float64Array(bins);
  const confidence = new Float64Array(bins);
  for (let s = 0; s < n; s++) {
    const b = Math.min(bins - 1, Math.floor(confidences[s] * bins));
    count[b]++;
    confidence[b] += confidences[s];
    if (predictions[s] === labels[s]) correct[b]++;
  }
  let ece = 0;
  for (let b = 0; b < bins; b++) if (count[b] > 0) ece += Math.abs(correct[b] - confidence[b]) / n;
  return ece;
}

export interface TemperatureFit {
  temperature: number;
  nllBefore: number;
  nllAfter: number;
  /** Expected calibration error (15 bins) at T = 1 and at the fitted T. */
  eceBefore: number;
  eceAfter: number;
}

/** log T is searched in [−LOG_T_LIMIT, LOG_T_LIMIT]: T from 0.007 to 148, beyond any useful calibration. */
const LOG_T_LIMIT = 5;

/**
 * The T minimising the validation NLL. The NLL is convex in 1/T, hence unimodal in log T, so a golden-section
 * search on log T finds the minimum without derivatives or a starting guess. Separable logits (every sample
 * right) drive T towards 0; the search then stops at the bound.
 */
export function fitTemperature(logits: ArrayLike<number>, labels: ArrayLike<number>, classes: number): TemperatureFit {
  checkLabels(logits, labels, classes);
  const nll = (u: number) => negativeLogLikelihood(logits, labels, classes, Math.exp(u));
  const ratio = (Math.sqrt(5) - 1) / 2;
  let a = -LOG_T_LIMIT;
  let b = LOG_T_LIMIT;
  let c = b - ratio * (b - a);
  let d = a + ratio * (b - a);
  let fc = nll(c);
  let fd = nll(d);
  while (b - a > 1e-7) {
    if (fc <= fd) {
      b = d; d = c; fd = fc;
      c = b - ratio * (b - a); fc = nll(c);
    } else {
      a = c; c = d; fc = fd;
      d = a + ratio * (b - a); fd = nll(d);
    }
  }
  const temperature = Math.exp((a + b) / 2);
  const before = calibratedOutputs(logits, classes, 1);
  const after = calibratedOutputs(logits, classes, temperature);
  return {
    temperature,
    nllBefore: nll(0),
    nllAfter: negativeLogLikelihood(logits, labels, classes, temperature),
    eceBefore: expectedCalibrationError(before.predictions, before.confidences, labels),
    eceAfter: expectedCalibrationError(after.predictions, after.confidences, labels),
  };
}

/**
 * Mean confidence over all predictions, the correct and the wrong ones: first over all classes, then per
 * predicted class (the class the strategy sees at run time), the triple layout of the configuration file.
 * A mean over no predictions is null, as the profiler writes it.
 */
export function confidenceTriples(predictions: ArrayLike<number>, confidences: ArrayLike<number>, labels: ArrayLike<number>, classes: number): ConfidenceMeans[] {
  const n = labels.length;
  if (predictions.length !== n || confidences.length !== n) {
    throw new MobiproxError(`Confidence triples need one prediction and confidence per label: ${predictions.length} predictions, ${confidences.length} confidences, ${n} labels.`);
  }
  const sums = Array.from({ length: classes + 1 }, () => ({ all: 0, n: 0, right: 0, nRight: 0, wrong: 0, nWrong: 0 }));
  for (let s = 0; s < n; s++) {
    const p = predictions[s];
    if (!Number.isInteger(p) || p < 0 || p >= classes) {
      throw new MobiproxError(`Prediction ${p} of sample ${s} is not one of the ${classes} classes.`, { value: p });
    }
    for (const t of [sums[0], sums[p + 1]]) {
      t.all += confidences[s];
      t.n++;
      if (p === labels[s]) { t.right += confidences[s]; t.nRight++; } else { t.wrong += confidences[s]; t.nWrong++; }
    }
  }
  const mean = (sum: number, count: number) => (count > 0 ? sum / count : null);
  return sums.map((t) => ({ mean: mean(t.all, t.n), correct: mean(t.right, t.nRight), wrong: mean(t.wrong, t.nWrong) }));
}

export interface ConfigurationCalibration {
  fit: TemperatureFit;
  /** Confidence triples of the calibrated outputs, for confidenceThresholds and the configuration file. */
  triples: ConfidenceMeans[];
}

/** Fits one temperature per configuration on its validation logits and measures its calibrated triples. */
export function calibrateConfigurations(logits: ArrayLike<number>[], labels: ArrayLike<number>, classes: number): ConfigurationCalibration[] {
  return logits.map((l) => {
    const fit = fitTemperature(l, labels, classes);
    const out = calibratedOutputs(l, classes, fit.temperature);
    return { fit, triples: confidenceTriples(out.predictions, out.confidences, labels, classes) };
  });
}

function sampleCount(logits: ArrayLike<number>, classes: number): number {
  if (!Number.isInteger(classes) || classes < 2 || logits.length % classes !== 0) {
    throw new MobiproxError(`${logits.length} logits do not split into rows of ${classes} classes.`, { value: classes });
  }
  return logits.length / classes;
}

function checkLabels(logits: ArrayLike<number>, labels: ArrayLike<number>, classes: number): number {
  const n = sampleCount(logits, classes);
  if (labels.length !== n) throw new MobiproxError(`There are ${n} rows of logits but ${labels.length} labels.`);
  for (let s = 0; s < n; s++) {
    if (!Number.isInteger(labels[s]) || labels[s] < 0 || labels[s] >= classes) {
      throw new MobiproxError(`Label ${labels[s]} of sample ${s} is not one of the ${classes} classes.`, { value: labels[s] });
    }
  }
  if (n === 0) throw new MobiproxError('Calibration needs at least one validation sample.');
  return n;
}
