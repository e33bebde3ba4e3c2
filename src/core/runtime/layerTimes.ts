/**
 * Where a model's time goes, layer by layer: the host runtime's op times for the exact configuration
 * (`mpxrun run --op-times`) beside where the cost model's prior, FLOPs, puts it. A layer whose share of the
 * time is far from its share of the FLOPs (memory-bound steps, a kernel that does not suit the shape) is
 * flagged: there the nominal speedups mislead and only measured ones count. Time does not depend on the
 * values, so random inputs of the model's shape serve and no data set is needed.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CompiledModel } from '../compile';
import { writeNpy } from '../data/npy';
import { modelInfo, runModel } from './mpxrun';

export interface LayerTime {
  /** 1-based layer index. */
  layer: number;
  /** Milliseconds per sample. */
  ms: number;
  /** Share of the model's time, 0..1. */
  share: number;
  /** Share of the model's FLOPs, 0..1. */
  flopsShare: number;
  /** The two shares differ by more than a factor of DISAGREEMENT (and one is at least MIN_SHARE). */
  disagrees: boolean;
}

export interface LayerTimes {
  cpu: string;
  kernels: string;
  batch: number;
  threads: number;
  samples: number;
  /** Milliseconds per sample of the whole model, and of the steps outside any layer (reshapes, pads). */
  totalMs: number;
  otherMs: number;
  layers: LayerTime[];
}

export const DISAGREEMENT = 2;
export const MIN_SHARE = 0.02;

export interface LayerTimeOptions {
  batch?: number;
  threads?: number;
  samples?: number;
  /** Passes over the samples whose op times are averaged (after one warm-up batch). */
  repeat?: number;
  signal?: AbortSignal;
}

export async function measureLayerTimes(model: CompiledModel, o: LayerTimeOptions = {}): Promise<LayerTimes> {
  const batch = o.batch ?? 8;
  const samples = o.samples ?? 4 * batch;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-layer-times-'));
  try {
    const mpxm = path.join(dir, `${model.name}.mpxm`);
    fs.writeFileSync(mpxm, model.mpxm);
    const input = path.join(dir, 'input.npy');
    writeNpy(input, randomInput([samples, ...model.inputShape]));
    const info = await modelInfo(mpxm);
    const run = await runModel(mpxm, input, {
      batch, threads: o.threads ?? 1, warmup: 1, repeat: o.repeat ?? 3, opTimes: true, signal: o.signal,
    });
    const perSample = (run.opTimes ?? []).map((t) => t.ms / batch);
    const totalMs = perSample.reduce((a, b) => a + b, 0);
    const inLayer = new Set<number>();
    const layerMs = info.layers.map((l) => {
      const ops = new Set(l.slots.map((s) => s.opIndex));
      ops.forEach((op) => inLayer.add(op));
      return [...ops].reduce((sum, op) => sum + (perSample[op] ?? 0), 0);
    });
    const totalFlops = model.layers.reduce((a, l) => a + l.flops, 0) || 1;
    const layers = model.layers.map((l, i) => {
      const ms = layerMs[i] ?? 0;
      const share = totalMs > 0 ? ms / totalMs : 0;
      const flopsShare = l.flops / totalFlops;
      const hi = Math.max(share, flopsShare), lo = Math.min(share, flopsShare);
      return { layer: l.index, ms, share, flopsShare, disagrees: hi >= MIN_SHARE && hi > DISAGREEMENT * lo };
    });
    return {
      cpu: info.cpu, kernels: info.kernels, batch, threads: run.threads, samples: run.samples,
      totalMs, otherMs: perSample.reduce((sum, ms, op) => sum + (inLayer.has(op) ? 0 : ms), 0), layers,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Values in [-1, 1) from a fixed seed: time does not depend on them, but NaNs and denormals would. */
export function randomInput(shape: number[]) {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  let state = 0x2545f491;
  for (let i = 0; i < data.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    data[i] = state / 2147483648 - 1;
  }
  return { dtype: 'float32' as const, shape, data };
}
