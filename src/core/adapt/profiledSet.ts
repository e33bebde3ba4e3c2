/**
 * What adaptation reads from a profiled configuration set: relative costs and energies, the calibration
 * (temperatures, calibrated confidence triples, the confidence strategy's thresholds) that `calibrate`
 * writes into the set, and traces from its recorded per-sample outcomes or from fresh raw outputs.
 * Figures come from the device when it measured them, else from the host.
 */
import { MobiproxError } from '../errors';
import { ConfigurationRecord, ConfigurationSet, Measurement, labelsSha256 } from '../knobs/configurationSet';
import { ConfigurationCalibration, calibratedOutputs } from './calibration';
import { ConfidenceMeans, ConfidenceThresholds, confidenceThresholds } from './confidenceDriven';
import { ConfigurationSet as StrategyConfigurations } from './strategies';
import { Trace } from './trace';

/** JSON has no infinity: a band that never triggers (+∞) is stored as null. */
export interface StoredThresholds { lessBelow: (number | null)[][]; moreAbove: (number | null)[][] }

export interface SetCalibration {
  /** Softmax temperature per configuration, in the set's order. */
  temperatures: number[];
  /** Per configuration: NLL and expected calibration error (15 bins) before (T = 1) and after. */
  fits: { temperature: number; nllBefore: number; nllAfter: number; eceBefore: number; eceAfter: number }[];
  /** Calibrated confidence triples (all classes, then per predicted class) on the validation set. */
  triples: ConfidenceMeans[][];
  thresholds: StoredThresholds;
  /** The validation set the temperatures were fitted on. */
  validation: { input: string; samples: number };
}

/** A configuration set that `calibrate` may have extended with its calibration. */
export type AdaptableSet = ConfigurationSet & { calibration?: SetCalibration };

export function measurementOf(c: ConfigurationRecord): Measurement | undefined {
  return c.device ?? c.host;
}

/**
 * Cost per sample relative to the exact configuration: the inverse of the measured speedup (the profiler's
 * ratio to the exact configuration's latency), else of the tuner's.
 */
export function relativeCosts(set: ConfigurationSet): number[] {
  const costs = set.configurations.map((c) => 1 / (measurementOf(c)?.speedup ?? c.speedup));
  const bad = costs.findIndex((v) => !(v > 0) || !Number.isFinite(v));
  if (bad >= 0) throw new MobiproxError(`${set.configurations[bad].name} has no usable speedup (${1 / costs[bad]}); profile it again.`, { value: set.configurations[bad].name });
  return costs.map((v) => v / costs[0]);
}

/** Energy per sample relative to the exact configuration, where the device's fuel gauge measured it. */
export function relativeEnergies(set: ConfigurationSet): (number | undefined)[] | undefined {
  const energy = set.configurations.map((c) => measurementOf(c)?.energyJoules ?? undefined);
  const base = energy[0];
  return base === undefined || !(base > 0) ? undefined : energy.map((e) => (e === undefined ? undefined : e / base));
}

export function temperaturesOf(set: AdaptableSet): number[] {
  return set.calibration?.temperatures ?? set.configurations.map(() => 1);
}

/** Calibrated thresholds when the set was calibrated, else those of the profiled (T = 1) triples. */
export function thresholdsOf(set: AdaptableSet): ConfidenceThresholds {
  if (set.calibration) {
    const inf = (rows: (number | null)[][]) => rows.map((r) => r.map((v) => (v === null ? Infinity : v)));
    return { lessBelow: inf(set.calibration.thresholds.lessBelow), moreAbove: inf(set.calibration.thresholds.moreAbove) };
  }
  return confidenceThresholds(set.configurations.map((c) => measurementOf(c)?.confidence ?? c.confidence), set.configurations.map((c) => c.name));
}

/** What createStrategy needs; thresholds are left out when the set has no confidence statistics. */
export function strategyConfigurations(set: AdaptableSet): StrategyConfigurations {
  let thresholds: ConfidenceThresholds | undefined;
  try {
    thresholds = thresholdsOf(set);
  } catch (e) {
    if (!(e instanceof MobiproxError)) throw e;
  }
  return { count: set.configurations.length, thresholds, costs: relativeCosts(set), names: set.configurations.map((c) => c.name) };
}

/** Stores a calibration (one per configuration, in the set's order) in the set. */
export function withCalibration(set: ConfigurationSet, calibration: ConfigurationCalibration[], validation: SetCalibration['validation']): AdaptableSet {
  if (calibration.length !== set.configurations.length) {
    throw new MobiproxError(`A calibration of ${calibration.length} configurations does not fit a set of ${set.configurations.length}.`);
  }
  const thresholds = confidenceThresholds(calibration.map((c) => c.triples), set.configurations.map((c) => c.name));
  const finite = (rows: number[][]) => rows.map((r) => r.map((v) => (Number.isFinite(v) ? v : null)));
  return {
    ...set,
    calibration: {
      temperatures: calibration.map((c) => c.fit.temperature),
      fits: calibration.map((c) => ({ ...c.fit })),
      triples: calibration.map((c) => c.triples),
      thresholds: { lessBelow: finite(thresholds.lessBelow), moreAbove: finite(thresholds.moreAbove) },
      validation,
    },
  };
}

/**
 * The labels the set's recorded outcomes belong to: all of `labels`, or their first rows when the set was
 * profiled on those (`profile --limit`), as its record of the profiled labels shows; `note` says so then.
 */
export function labelsOfProfile(set: ConfigurationSet, labels: number[], file: string): { labels: number[]; note?: string } {
  const recorded = set.configurations.find((c) => c.samples)?.samples?.predictions.length;
  const on = set.profiledOn;
  if (recorded === undefined || recorded >= labels.length || !on || on.samples !== recorded) return { labels };
  const first = labels.slice(0, recorded);
  const how = on.limit !== undefined ? `profile --limit ${on.limit}` : `${recorded} samples`;
  if (labelsSha256(first) !== on.labelsSha256) {
    throw new MobiproxError(
      `The set was profiled on the first ${recorded} samples of ${on.labels} (${how}), but the first ${recorded} labels of ${file} differ: give the labels it was profiled on.`,
      { file },
    );
  }
  return { labels: first, note: `the set was profiled on the first ${recorded} of the ${labels.length} samples (${how}): the trace is those.` };
}

/**
 * The trace of the set's recorded per-sample outcomes (as profiled, at T = 1). A calibrated set's
 * thresholds expect calibrated confidences, which need raw outputs: use traceFromOutputs then.
 */
export function traceFromRecords(set: AdaptableSet, labels: ArrayLike<number>, name = 'trace'): Trace {
  if (set.calibration && set.calibration.temperatures.some((t) => t !== 1)) {
    throw new MobiproxError('The set is calibrated but its recorded confidences are not: give the model so that the configurations run again and their outputs are calibrated.');
  }
  const predictions = set.configurations.map((c) => {
    if (!c.samples) throw new MobiproxError(`${c.name} has no recorded per-sample outcomes; profile it per sample or give the model to run it.`, { value: c.name });
    if (c.samples.predictions.length !== labels.length) {
      throw new MobiproxError(`${c.name} has ${c.samples.predictions.length} recorded outcomes for ${labels.length} labels: the set was profiled on other data.`, { value: c.name });
    }
    return c.samples.predictions;
  });
  const confidences = set.configurations.map((c) => c.samples!.confidences);
  return { name, labels, predictions, confidences, costs: relativeCosts(set), energies: relativeEnergies(set) };
}

/** The trace of fresh raw outputs per configuration, calibrated with the set's temperatures. */
export function traceFromOutputs(set: AdaptableSet, logits: ArrayLike<number>[], labels: ArrayLike<number>, classes: number, name = 'trace'): Trace {
  const temperatures = temperaturesOf(set);
  const outputs = logits.map((l, k) => calibratedOutputs(l, classes, temperatures[k]));
  outputs.forEach((o, k) => {
    if (o.predictions.length !== labels.length) {
      throw new MobiproxError(`${set.configurations[k].name} gave ${o.predictions.length} outputs for ${labels.length} labels.`);
    }
  });
  return {
    name, labels, predictions: outputs.map((o) => o.predictions), confidences: outputs.map((o) => o.confidences),
    costs: relativeCosts(set), energies: relativeEnergies(set),
  };
}
