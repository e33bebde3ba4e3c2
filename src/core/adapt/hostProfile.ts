/**
 * Profiles configurations on the host runtime into the project's configuration set: per configuration the
 * accuracy, confidence triples and per-sample outcomes (one pass with --per-sample), its raw outputs (for
 * calibration), its latency as the median over several timing passes, and its speedup as the median over
 * passes of the exact configuration's latency over its own. Each timing pass runs every configuration in
 * one mpxrun process, so that all configurations of a pass share the machine's state; the medians discard
 * the passes another process disturbed.
 * This stands in for the device profiler wherever a phone is absent: the figures are the host's.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readNpy } from '../data/npy';
import { MobiproxError } from '../errors';
import { Configuration, exactConfiguration, formatHpvm } from '../knobs/configuration';
import { ConfigurationRecord, ConfigurationSet, CONFIGURATION_SET_FORMAT } from '../knobs/configurationSet';
import { ExecutionOptions, ProfileRecord, profileModel, runModel, typicalLatency } from '../runtime/mpxrun';
import { PreparedData } from '../runtime/prepare';

export interface HostProfileOptions extends Pick<ExecutionOptions, 'threads' | 'batch' | 'signal'> {
  /** Timing passes; each configuration's latency is its median over them (default 5). */
  rounds?: number;
  /** Samples of each timing pass (default: all). */
  timingLimit?: number;
  /** Untimed passes before each configuration's timed one (default 1). */
  warmup?: number;
  onProgress?: (message: string) => void;
}

export interface HostProfile {
  /** Exact configuration first, then by increasing measured speedup. */
  set: ConfigurationSet;
  /** Raw outputs per configuration of `set` (flat [samples × classes]); log-probabilities for a model ending in Softmax. */
  logits: Float32Array[];
  classes: number;
}

/**
 * Profiles `configurations` (the exact one is put first when it is not there) on the prepared data, which
 * needs labels. The source ONNX file names and fingerprints the set's model.
 */
export async function profileOnHost(
  onnxPath: string, data: PreparedData, configurations: Configuration[], o: HostProfileOptions = {},
): Promise<HostProfile> {
  if (!data.labelsPath) throw new MobiproxError('Profiling configurations needs labels for the data set.');
  const layerSlots = data.model.layers.map((l) => l.slots.map((s) => s.op));
  const list = isExact(configurations[0]) ? configurations : [exactConfiguration(layerSlots), ...configurations];
  const configsPath = path.join(data.workDir, 'profiled-configurations.txt');
  fs.writeFileSync(configsPath, formatHpvm({ baselineTime: 0, configurations: list }));
  const run = { threads: o.threads, batch: o.batch, signal: o.signal };

  const records: ProfileRecord[] = [];
  for await (const r of profileModel(data.mpxmPath, data.inputPath, data.labelsPath, configsPath, { ...run, perSample: true, warmup: 0 })) {
    records.push(r);
    o.onProgress?.(`outcomes of ${r.name}: ${r.accuracy.toFixed(2)} %`);
  }
  const logits = await configurationOutputs(data, configsPath, list.length, o);

  const latencies: number[][] = list.map(() => []);
  const rounds = o.rounds ?? 5;
  for (let round = 0; round < rounds; round++) {
    for await (const r of profileModel(data.mpxmPath, data.inputPath, data.labelsPath, configsPath, {
      ...run, limit: o.timingLimit, warmup: o.warmup ?? 1,
    })) latencies[r.index].push(typicalLatency(r));
    o.onProgress?.(`timing pass ${round + 1}/${rounds}`);
  }
  const latency = latencies.map(median);
  // The speedup pairs each configuration with the exact one of the same pass: the load of a shared machine
  // drifts between passes, and a ratio within one pass cancels most of it.
  const speedup = latencies.map((l) => 1 / median(l.map((v, pass) => v / latencies[0][pass])));
  const baseAccuracy = records[0].accuracy;
  const measured: ConfigurationRecord[] = list.map((c, k) => {
    const r = records[k];
    return {
      ...c,
      host: {
        speedup: speedup[k],
        accuracy: r.accuracy,
        qosLoss: baseAccuracy - r.accuracy,
        latencyMsPerSample: latency[k],
        energyJoules: null,
        confidence: [{ mean: r.confidence.mean, correct: r.confidence.correct, wrong: r.confidence.wrong }, ...r.confidence.perClass],
      },
      samples: { predictions: r.predictions!, confidences: r.confidences! },
    };
  });
  // Adaptation moves "more" or "less" by index: order by measured speedup, the exact configuration first.
  const order = [0, ...measured.slice(1).map((_, i) => i + 1).sort((a, b) => measured[a].host!.speedup - measured[b].host!.speedup)];
  const set: ConfigurationSet = {
    format: CONFIGURATION_SET_FORMAT,
    version: 1,
    model: {
      name: data.model.name,
      sha256: crypto.createHash('sha256').update(fs.readFileSync(onnxPath)).digest('hex'),
      inputShape: data.model.inputShape,
      layers: layerSlots,
    },
    baselineTime: latency[0],
    configurations: order.map((k) => measured[k]),
  };
  return { set, logits: order.map((k) => logits[k]), classes: classCount(data) };
}

/**
 * Each configuration's raw outputs over the prepared input (mpxrun run --save-outputs), flat
 * [samples × classes]; for a model that ends in Softmax, their logarithms, so that temperature scaling
 * applies to log-probabilities as it would to logits.
 */
export async function configurationOutputs(
  data: PreparedData, configsPath: string, count: number, o: Pick<ExecutionOptions, 'threads' | 'batch' | 'signal'> = {},
): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let k = 0; k < count; k++) {
    const file = path.join(data.workDir, `outputs-${k}.npy`);
    await runModel(data.mpxmPath, data.inputPath, { configs: configsPath, config: k, saveOutputs: file, threads: o.threads, batch: o.batch, signal: o.signal });
    const values = Float32Array.from(readNpy(file).data as Float32Array);
    fs.rmSync(file, { force: true });
    if (data.model.endsWithSoftmax) for (let i = 0; i < values.length; i++) values[i] = Math.log(values[i]);
    out.push(values);
  }
  return out;
}

export function classCount(data: PreparedData): number {
  return data.model.outputShapes[0].reduce((a, b) => a * b, 1);
}

function isExact(c: Configuration | undefined): boolean {
  return c !== undefined && c.layers.every((slots) => slots.every((s) => s.knob === 11));
}

function median(values: number[]): number {
  if (values.length === 0) throw new MobiproxError('A latency median needs at least one timing pass.');
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
