/**
 * The catalog as this machine runs it: every layer's time under each knob it takes, measured as the tuner's
 * cost model measures it (costModel.ts) but on random inputs of the model's shape (time does not depend on
 * the values; the int8 knobs take scales calibrated on the same inputs), so that no data set is needed. A knob
 * that saves under 2 % of its layer's time is one the tuner does not offer there (offeredKnobs): the layer is
 * too small, or its kernel does too little per output, for that approximation to pay.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CompiledModel } from '../compile';
import { writeNpy } from '../data/npy';
import { EXACT_KNOB, knobName } from '../knobs/catalog';
import { randomInput } from '../runtime/layerTimes';
import { modelInfo } from '../runtime/mpxrun';
import { DiskCache } from './cache';
import { calibrateCostModel, offeredKnobs } from './costModel';
import { calibrateInt8 } from './int8Calibration';
import { sha256 } from './tuningData';

export interface KnobSpeedup {
  knob: number;
  /** The layer's exact time over its time under the knob. */
  speedup: number;
  /** Whether the tuner offers the knob on this layer. */
  offered: boolean;
}

export interface LayerKnobSpeedups {
  /** 1-based layer index. */
  layer: number;
  /** Milliseconds per batch under the exact configuration. */
  exactMs: number;
  knobs: KnobSpeedup[];
}

export interface KnobSpeedups {
  cpu: string;
  kernels: string;
  batch: number;
  threads: number;
  samples: number;
  layers: LayerKnobSpeedups[];
}

/** One knob family on one layer: its best measured speedup, and how many of its knobs the tuner offers there. */
export interface FamilySpeedup {
  name: string;
  best: number;
  offered: number;
  total: number;
}

/** A layer's knobs grouped by family (fp16, perf, samp, int8, …), in catalog order. */
export function familySpeedups(layer: LayerKnobSpeedups): FamilySpeedup[] {
  const families = new Map<string, FamilySpeedup>();
  for (const k of layer.knobs) {
    const name = knobName(k.knob);
    const f = families.get(name) ?? { name, best: 0, offered: 0, total: 0 };
    families.set(name, { name, best: Math.max(f.best, k.speedup), offered: f.offered + (k.offered ? 1 : 0), total: f.total + 1 });
  }
  return [...families.values()];
}

export interface KnobSpeedupOptions {
  batch?: number;
  threads?: number;
  samples?: number;
  /** Timing passes over all knobs, whose median is kept (default: the cost model's). */
  rounds?: number;
  signal?: AbortSignal;
}

export async function measureKnobSpeedups(model: CompiledModel, o: KnobSpeedupOptions = {}): Promise<KnobSpeedups> {
  const batch = o.batch ?? 8;
  const samples = o.samples ?? 4 * batch;
  const threads = o.threads ?? 1;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-knob-speedups-'));
  try {
    const mpxm = path.join(dir, `${model.name}.mpxm`);
    fs.writeFileSync(mpxm, model.mpxm);
    const inputPath = path.join(dir, 'input.npy');
    const labelsPath = path.join(dir, 'labels.npy');
    const input = randomInput([samples, ...model.inputShape]);
    const labels = new Int32Array(samples);
    writeNpy(inputPath, input);
    writeNpy(labelsPath, { dtype: 'int32', shape: [samples], data: labels });
    const set = { inputPath, labelsPath, labels, samples, sha256: sha256(new Uint8Array(input.data.buffer)) };
    const modelSha256 = sha256(model.mpxm);
    const cache = new DiskCache(path.join(dir, 'cache'));
    const layers = await calibrateInt8(model.layers, { mpxm, set, modelSha256, batch, cache, signal: o.signal });
    const { model: costs } = await calibrateCostModel({
      mpxm, set, layers, modelSha256, threads, batch, samples, rounds: o.rounds, cache, workDir: dir, signal: o.signal,
    });
    const offered = offeredKnobs(layers, costs);
    const info = await modelInfo(mpxm);
    return {
      cpu: info.cpu, kernels: info.kernels, batch, threads, samples,
      layers: layers.map((l, i) => {
        const exactMs = costs.layers[i][EXACT_KNOB];
        return {
          layer: l.index, exactMs,
          knobs: l.knobs.filter((k) => k !== EXACT_KNOB).map((k) => ({
            knob: k, speedup: exactMs / costs.layers[i][k], offered: offered[i].includes(k),
          })),
        };
      }),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
