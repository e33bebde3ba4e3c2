/**
 * A trace: samples in the order they arrive, each with its label and, for every configuration, the
 * prediction and the calibrated confidence that configuration would give. Replaying a strategy over a trace
 * (simulate.ts) only looks up the entries of the configurations it chose.
 */
import { MobiproxError } from '../errors';
import { ProfileRecord } from '../runtime/mpxrun';
import { calibratedOutputs } from './calibration';
import { DeviceContext } from './contextRules';

export interface Trace {
  name: string;
  labels: ArrayLike<number>;
  /** predictions[k][t]: configuration k's predicted class for sample t. */
  predictions: ArrayLike<number>[];
  /** confidences[k][t]: its calibrated confidence. */
  confidences: ArrayLike<number>[];
  /** Relative cost of each configuration: the inverse of its measured speedup (costs[0] = 1). */
  costs: number[];
  /** Relative energy of each configuration where measured. */
  energies?: (number | undefined)[];
  /** The device's state at each sample, for context rules. */
  context?: DeviceContext[];
}

export interface TraceOptions {
  name?: string;
  /** Raw outputs per configuration (flat [samples × classes]); they replace the profiled confidences. */
  logits?: ArrayLike<number>[];
  classes?: number;
  /** Softmax temperature for the logits: one for all configurations or one each (default 1). */
  temperature?: number | number[];
  context?: DeviceContext[];
}

/**
 * A trace from profiled records (mpxrun profile --per-sample), one per configuration, index 0 the exact one.
 * Costs are the inverses of the measured speedups over configuration 0 (the records must be timed);
 * energies are per sample relative to configuration 0's, when every record has one.
 */
function speedupOf(r: ProfileRecord): number {
  if (!r.timing) throw new MobiproxError(`The record of ${r.name} has no timing: profile the configurations timed.`, { value: r.name });
  return r.timing.speedup.estimate;
}

export function traceFromProfile(records: ProfileRecord[], labels: ArrayLike<number>, options: TraceOptions = {}): Trace {
  const sorted = [...records].sort((a, b) => a.index - b.index);
  sorted.forEach((r, k) => {
    if (r.index !== k) throw new MobiproxError(`The profile has no record for configuration ${k}; simulation needs every configuration from 0 on.`, { value: k });
  });
  if (sorted.length === 0) throw new MobiproxError('The profile holds no configuration records.');
  const n = labels.length;
  const predictions: ArrayLike<number>[] = [];
  const confidences: ArrayLike<number>[] = [];
  sorted.forEach((r, k) => {
    if (options.logits) {
      const logits = options.logits[k];
      const classes = options.classes;
      if (!logits || !classes) throw new MobiproxError(`Logits for configuration ${k} (${r.name}) and the class count are needed to calibrate it.`, { value: r.name });
      const t = options.temperature;
      const out = calibratedOutputs(logits, classes, typeof t === 'number' ? t : t?.[k] ?? 1);
      predictions.push(out.predictions);
      confidences.push(out.confidences);
    } else {
      if (!r.predictions || !r.confidences) {
        throw new MobiproxError(`The record of ${r.name} has no per-sample predictions; profile with --per-sample.`, { value: r.name });
      }
      predictions.push(r.predictions);
      confidences.push(r.confidences);
    }
    if (predictions[k].length !== n || confidences[k].length !== n) {
      throw new MobiproxError(`${r.name} has ${predictions[k].length} predictions and ${confidences[k].length} confidences for ${n} labels.`, { value: r.name });
    }
  });
  const exact = sorted[0];
  const costs = sorted.map((r) => 1 / speedupOf(r));
  const perSample = (r: ProfileRecord) => (r.energyJoules === null ? undefined : r.energyJoules / r.samples);
  const exactEnergy = perSample(exact);
  const energies = exactEnergy === undefined ? undefined : sorted.map((r) => {
    const e = perSample(r);
    return e === undefined ? undefined : e / exactEnergy;
  });
  return { name: options.name ?? 'trace', labels, predictions, confidences, costs, energies, context: options.context };
}

/**
 * One trace per group (e.g. per subject), samples in file order, groups in order of first appearance; each
 * is named after its group id.
 */
export function splitTrace(trace: Trace, groups: ArrayLike<number>): Trace[] {
  const n = trace.labels.length;
  if (groups.length !== n) throw new MobiproxError(`There are ${groups.length} group ids for ${n} samples.`);
  const members = new Map<number, number[]>();
  for (let t = 0; t < n; t++) {
    const g = Number(groups[t]);
    if (!members.has(g)) members.set(g, []);
    members.get(g)!.push(t);
  }
  const pick = <T>(a: ArrayLike<T>, rows: number[]) => rows.map((t) => a[t]);
  return [...members].map(([g, rows]) => ({
    ...trace,
    name: `${trace.name}/${g}`,
    labels: pick(trace.labels, rows),
    predictions: trace.predictions.map((p) => pick(p, rows)),
    confidences: trace.confidences.map((c) => pick(c, rows)),
    context: trace.context && pick(trace.context, rows),
  }));
}
