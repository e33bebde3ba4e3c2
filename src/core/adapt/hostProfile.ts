/**
 * Profiles configurations on the host runtime into the project's configuration set: per configuration the
 * accuracy, confidence triples and per-sample outcomes, its raw outputs (for calibration), and its latency
 * and speedup with their intervals, all from one mpxrun profile: the timing is the runtime's measurement of
 * every configuration together (README, "How speed is measured"), the same the device profiler gets.
 * This stands in for the device profiler wherever a phone is absent: the figures are the host's.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readNpy } from '../data/npy';
import { MobiproxError } from '../errors';
import { Configuration, exactConfiguration, formatHpvm } from '../knobs/configuration';
import { ConfigurationRecord, ConfigurationSet, CONFIGURATION_SET_FORMAT } from '../knobs/configurationSet';
import { setModelOf } from '../knobs/modelIdentity';
import { ExecutionOptions, ProfileRecord, TimingOptions, profileModel, runModel } from '../runtime/mpxrun';
import { PreparedData } from '../runtime/prepare';
import { outcomes, pairedLossInterval } from '../stats/intervals';

export interface HostProfileOptions extends Pick<ExecutionOptions, 'threads' | 'batch' | 'signal'> {
  /** How long and how precisely to measure. */
  timing?: TimingOptions;
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
  const outputsDir = fs.mkdtempSync(path.join(data.workDir, 'outputs-'));
  const records: ProfileRecord[] = [];
  let logits: Float32Array[];
  try {
    o.onProgress?.(`profiling ${list.length} configurations: outcomes, then their timing together`);
    for await (const r of profileModel(data.mpxmPath, data.inputPath, data.labelsPath, configsPath, {
      threads: o.threads, batch: o.batch, signal: o.signal, perSample: true, warmup: 0, saveOutputsDir: outputsDir,
      timing: o.timing ?? true,
    })) records[r.index] = r;
    logits = list.map((_, k) => readOutputs(data, path.join(outputsDir, `${k}.npy`)));
  } finally {
    fs.rmSync(outputsDir, { recursive: true, force: true });
  }
  const latency = records.map((r) => r.latencyMsPerSample!);
  const speedup = records.map((r) => r.timing!.speedup.estimate);
  const baseAccuracy = records[0].accuracy;
  const labels = readNpy(data.labelsPath).data as Int32Array;
  const exactOutcomes = outcomes(records[0].predictions!, labels);
  const measured: ConfigurationRecord[] = list.map((c, k) => {
    const r = records[k];
    return {
      ...c,
      host: {
        speedup: speedup[k],
        accuracy: r.accuracy,
        qosLoss: baseAccuracy - r.accuracy,
        qosLossInterval: lossInterval(exactOutcomes, outcomes(r.predictions!, labels)),
        latencyMsPerSample: latency[k],
        timing: r.timing,
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
    model: setModelOf(onnxPath, data.model),
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
    out.push(readOutputs(data, file));
    fs.rmSync(file, { force: true });
  }
  return out;
}

function readOutputs(data: PreparedData, file: string): Float32Array {
  const values = Float32Array.from(readNpy(file).data as Float32Array);
  if (data.model.endsWithSoftmax) for (let i = 0; i < values.length; i++) values[i] = Math.log(values[i]);
  return values;
}

export function classCount(data: PreparedData): number {
  return data.model.outputShapes[0].reduce((a, b) => a * b, 1);
}

function lossInterval(exact: boolean[], own: boolean[]): [number, number] {
  const i = pairedLossInterval(exact, own);
  return [i.low, i.high];
}

function isExact(c: Configuration | undefined): boolean {
  return c !== undefined && c.layers.every((slots) => slots.every((s) => s.knob === 11));
}
