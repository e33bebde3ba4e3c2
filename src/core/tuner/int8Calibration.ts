/**
 * Calibration of the int8 knobs: the exact model runs over the tuning set and each convolution's input range
 * gives the quantisation its int8 knobs take (`mpxrun calibrate`, native-runtime/FORMAT.md). The result is
 * cached per model and data like the single-knob profiles, so that every configuration of a tuning, and a
 * tuning run again, carries the same scales: host, device and app then compute the same values.
 */
import { LayerInfo } from '../compile';
import { knob } from '../knobs/catalog';
import { Quant, parseQuant } from '../knobs/configuration';
import { CalibrationRecord, calibrateModel } from '../runtime/mpxrun';
import { DiskCache } from './cache';
import type { TuneExecutor } from './executor/executor';
import { SampleSet } from './tuningData';

/** Samples enough for the extremes of the activations; more changes the scales little and costs a pass. */
export const CALIBRATION_SAMPLES = 1000;

export interface Int8CalibrationOptions {
  mpxm: string;
  set: SampleSet;
  modelSha256: string;
  batch: number;
  cache: DiskCache;
  /** Where the calibration runs (default: here). */
  executor?: TuneExecutor;
  signal?: AbortSignal;
}

/** A calibration pass, the same whichever executor runs it. */
export interface CalibrationJob {
  mpxm: string;
  input: string;
  samples: number;
  batch: number;
  signal?: AbortSignal;
}

/** Runs a calibration pass on this machine. */
export const calibrateHere = (job: CalibrationJob): Promise<CalibrationRecord> =>
  calibrateModel(job.mpxm, job.input, { limit: job.samples, batch: job.batch, signal: job.signal });

/** The quantisation of each calibrated layer (1-based index), from `mpxrun calibrate`'s record. */
export function quantByLayer(record: CalibrationRecord): Map<number, Quant> {
  return new Map(record.layers.map((l) => {
    const quant = parseQuant(l.q);
    if (typeof quant === 'string') throw new Error(`mpxrun calibrate, layer ${l.layer}: ${quant}.`);
    return [l.layer, quant];
  }));
}

/** The layers with their calibrated quantisation; a layer without one (no input seen) loses its int8 knobs. */
export async function calibrateInt8(layers: readonly LayerInfo[], o: Int8CalibrationOptions): Promise<LayerInfo[]> {
  if (!layers.some((l) => l.knobs.some((k) => knob(k).int8))) return [...layers];
  const samples = Math.min(o.set.samples, CALIBRATION_SAMPLES);
  const key = `int8-1-${o.modelSha256.slice(0, 16)}-${o.set.sha256.slice(0, 16)}-${samples}.json`;
  let byLayer = o.cache.readJson<Record<number, Quant>>(key);
  if (!byLayer) {
    const job: CalibrationJob = { mpxm: o.mpxm, input: o.set.inputPath, samples, batch: o.batch, signal: o.signal };
    const record = await (o.executor ? o.executor.calibrate(job) : calibrateHere(job));
    byLayer = Object.fromEntries(quantByLayer(record));
    o.cache.writeJson(key, byLayer);
  }
  return layers.map((l) => {
    const quant = byLayer![l.index];
    return quant ? { ...l, quant } : { ...l, knobs: l.knobs.filter((k) => !knob(k).int8) };
  });
}
