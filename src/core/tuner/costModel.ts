/**
 * The cost model of src/core/DESIGN.md §3: a configuration's cost is the sum of its layers' costs under their knobs
 * plus what no knob changes (reshapes, pads, …); speedup = exact cost / cost. The prior is FLOPs divided by
 * the nominal speedup of each slot's knob; a short calibration run replaces it with per-layer, per-knob
 * milliseconds measured by the host runtime (`--op-times`, CPU time of the inference threads) over a few
 * passes, cached per model, host CPU and runtime settings: a calibration of the machine, made once, so
 * that the tuner's choices (tune.ts, frontier) do not move with the next measurement's noise.
 */
import * as os from 'node:os';
import { LayerInfo } from '../compile';
import { EXACT_KNOB, HALF_KNOB, knob } from '../knobs/catalog';
import { InfoRecord, modelInfo, runtimeSha256 } from '../runtime/mpxrun';
import { sha256 } from './tuningData';
import { DiskCache } from './cache';
import { followerKnob } from './knobSpace';
import { runChoices } from './runner';

export interface CostModel {
  source: 'nominal' | 'host';
  /** Cost of everything outside the layers. */
  fixed: number;
  /** Per layer (0-based), cost under each knob it takes. */
  layers: Record<number, number>[];
}

export function nominalCostModel(layers: readonly LayerInfo[]): CostModel {
  return {
    source: 'nominal',
    fixed: 0,
    layers: layers.map((l) => Object.fromEntries(l.knobs.map((k) => [k, l.slots.reduce(
      (sum, s, i) => sum + s.flops / knob(i === 0 ? k : followerKnob(k)).nominalSpeedup, 0)]))),
  };
}

/** A knob is offered at a layer only when the cost model says it saves at least 2 % of the layer's time:
 * where a layer is too small for a knob to pay, the tuner does not try it there. */
export const MIN_LAYER_GAIN = 0.98;

/** Per layer, the knobs the tuner offers (the exact one always). */
export function offeredKnobs(layers: readonly LayerInfo[], model: CostModel): number[][] {
  return layers.map((l, i) => l.knobs.filter((k) => k === EXACT_KNOB || model.layers[i][k] < model.layers[i][EXACT_KNOB] * MIN_LAYER_GAIN));
}

export function cost(model: CostModel, choice: readonly number[]): number {
  return choice.reduce((sum, k, l) => sum + model.layers[l][k], model.fixed);
}

export function speedup(model: CostModel, choice: readonly number[]): number {
  return cost(model, choice.map(() => EXACT_KNOB)) / cost(model, choice);
}

export interface CalibrationOptions {
  mpxm: string;
  set: { inputPath: string; labelsPath: string };
  layers: readonly LayerInfo[];
  modelSha256: string;
  threads: number;
  batch: number;
  samples: number;
  /** Timing passes over all knobs (default 5). */
  rounds?: number;
  cache: DiskCache;
  workDir: string;
  signal?: AbortSignal;
}

/**
 * Measures every knob on every layer that takes it: one configuration per knob id, applied to all those
 * layers at once (each op's time is read separately). One process, so that timings do not contend. A layer's
 * cost under a knob is its median CPU time over `rounds` passes (CPU time leaves out the time other work on
 * the machine takes; the median, the pass a cache-cold start disturbed).
 */
export async function calibrateCostModel(o: CalibrationOptions): Promise<{ model: CostModel; cached: boolean }> {
  const rounds = o.rounds ?? CALIBRATION_ROUNDS;
  const knobIds = [...new Set(o.layers.flatMap((l) => l.knobs))].filter((k) => k !== EXACT_KNOB).sort((a, b) => a - b);
  // what was timed: the knobs with the int8 scales they run with, and the runtime that ran them
  const timed = [o.modelSha256, runtimeSha256(), os.cpus()[0]?.model, o.threads, o.batch, o.samples, rounds, knobIds, o.layers.map((l) => l.quant ?? null)];
  const key = `cost5-${sha256(Buffer.from(JSON.stringify(timed))).slice(0, 24)}.json`;
  const hit = o.cache.readJson<CostModel>(key);
  if (hit && hit.layers?.length === o.layers.length) return { model: hit, cached: true };

  const opsOf = layerOps(await modelInfo(o.mpxm), o.layers.length);
  const inLayers = new Set(opsOf.flat());
  const choices = knobIds.map((k) => o.layers.map((l) => (l.knobs.includes(k) ? k : knob(k).half ? HALF_KNOB : EXACT_KNOB)));
  const exactMs: number[][] = o.layers.map(() => []);
  const knobMs: Record<number, number[]>[] = o.layers.map(() => ({}));
  const fixedMs: number[] = [];
  const msOf = (times: { ms: number }[], l: number) => opsOf[l].reduce((s, op) => s + times[op].ms, 0);
  for (let round = 0; round < rounds; round++) {
    await runChoices(o.mpxm, o.set, o.layers, choices, {
      processes: 1, threads: o.threads, batch: o.batch, limit: o.samples, opTimes: true, chunksPerProcess: 1, signal: o.signal,
    }, ({ choice, record, baseline }) => {
      const exactTimes = baseline.opTimes!;
      if (choice === 0) {
        fixedMs.push(exactTimes.reduce((s, t, op) => s + (inLayers.has(op) ? 0 : t.ms), 0));
        o.layers.forEach((_, i) => exactMs[i].push(msOf(exactTimes, i)));
      }
      o.layers.forEach((l, i) => {
        if (l.knobs.includes(knobIds[choice])) (knobMs[i][knobIds[choice]] ??= []).push(msOf(record.opTimes!, i));
      });
    }, o.workDir);
  }
  const layers = o.layers.map((_, i) => ({
    [EXACT_KNOB]: median(exactMs[i]), ...Object.fromEntries(Object.entries(knobMs[i]).map(([k, ms]) => [k, median(ms)])),
  }));
  const model: CostModel = { source: 'host', fixed: median(fixedMs), layers };
  o.cache.writeJson(key, model);
  return { model, cached: false };
}

/** Calibration passes: enough for a median that one disturbed pass does not move. */
const CALIBRATION_ROUNDS = 5;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Op indexes of each layer's slots, from `mpxrun info`. */
function layerOps(info: InfoRecord, count: number): number[][] {
  if (info.layers.length !== count) throw new Error(`mpxrun info lists ${info.layers.length} layers, the compiler ${count}.`);
  return info.layers.map((l) => [...new Set(l.slots.map((s) => s.opIndex))]);
}
