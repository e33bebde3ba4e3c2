/**
 * A configuration composed by hand (one knob per layer, chosen in the Model view) measured on the host as the
 * tuner measures its candidates (validation.ts: beside the exact configuration, with intervals, on the tuning
 * and the held-out test set of the same data and settings) and added to the model's configuration set, where
 * the Pareto plot draws it and Compare, Profile on Device and the bundle take it like a tuned one.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { DataConfig } from '../data/dataConfig';
import { MobiproxError } from '../errors';
import { EXACT_KNOB, formatKnobIds, knob } from '../knobs/catalog';
import { CONFIGURATION_SET_FORMAT, ConfigurationRecord, ConfigurationSet, readConfigurationSet, writeConfigurationSet } from '../knobs/configurationSet';
import { checkSetOfModel } from '../knobs/modelIdentity';
import { DiskCache, defaultCacheDir } from './cache';
import { calibrateInt8 } from './int8Calibration';
import { exactChoice } from './knobSpace';
import { measuredRecord } from './measuredRecord';
import { abortError } from './runner';
import type { TuneProgress } from './tune';
import { prepareTuningData } from './tuningData';
import { DEFAULT_TIMING, Measured, MeasuredRun, TimingSettings, measureChoices } from './validation';

export interface ComposedOptions {
  model: string;
  /** The knob of each layer's main op, by 1-based layer index; the layers left out stay exact. */
  knobs: ReadonlyMap<number, number>;
  data: DataConfig;
  /** The set to add it to: a tuned set of the model, or a new one (the exact configuration and this). */
  setFile: string;
  /** The tuning's rows and order, so that the figures sit beside the tuned configurations' (tune.ts). */
  tuneSize?: number;
  testSize?: number;
  shuffleSeed?: number;
  threads?: number;
  batch?: number;
  cacheDir?: string;
  timing?: TimingSettings;
}

export interface ComposedResult {
  set: ConfigurationSet;
  /** The configuration's name in the set. */
  name: string;
  /** False when the set already held these knobs (under `name`): nothing was measured or written. */
  added: boolean;
}

const PREFIX = 'composed';

export async function addComposedConfiguration(
  o: ComposedOptions, ctl: { onProgress?: (p: TuneProgress) => void; signal?: AbortSignal } = {},
): Promise<ComposedResult> {
  const existing = fs.existsSync(o.setFile) ? readConfigurationSet(o.setFile) : undefined;
  if (existing) checkSetOfModel(existing, o.setFile, o.model);
  if (existing?.profiledOn) {
    throw new MobiproxError(
      `${o.setFile} is a profiled set (its configurations carry a device's per-sample outcomes): add the configuration to the tuned set ` +
      'and profile it from there.', { file: o.setFile },
    );
  }
  ctl.onProgress?.({ phase: 'prepare', done: 0, total: 1 });
  const data = prepareTuningData({
    model: o.model, input: o.data.input, labels: o.data.labels, preprocessing: o.data.preprocessing,
    tuneSize: o.tuneSize, testSize: o.testSize, shuffleSeed: o.shuffleSeed,
  });
  try {
    const choice = composedChoice(data.model.layers, o.knobs, o.model);
    const same = existing?.configurations.find((c) => c.layers.every((slots, i) => slots[0]?.knob === choice[i]));
    if (existing && same) return { set: existing, name: same.name, added: false };

    const batch = o.batch ?? 32;
    const cache = new DiskCache(o.cacheDir ?? defaultCacheDir());
    ctl.onProgress?.({ phase: 'calibrate', done: 0, total: 1 });
    // the same cached calibration as the tuning's, so the int8 scales match its configurations'
    const layers = await calibrateInt8(data.model.layers, { mpxm: data.mpxmPath, set: data.tune, modelSha256: data.modelSha256, batch, cache, signal: ctl.signal });
    layers.forEach((l, i) => {
      if (knob(choice[i]).int8 && !l.quant) {
        throw new MobiproxError(`Layer ${l.index} ('${l.name}') saw no input when calibrated on ${o.data.input}: it cannot take int8 knob ${choice[i]}.`, { value: choice[i] });
      }
    });
    const threads = o.threads ?? 1;
    const runner = { processes: Math.max(1, Math.floor(os.cpus().length / threads)), threads, batch, signal: ctl.signal, probabilities: data.model.endsWithSoftmax };
    const measure = async (set: typeof data.tune, phase: 'validate' | 'test'): Promise<MeasuredRun> => {
      ctl.onProgress?.({ phase, done: 0, total: 1 });
      let run: MeasuredRun | undefined;
      await measureChoices(data.mpxmPath, set, layers, [choice], runner, data.workDir, (m) => (run = m), undefined, o.timing ?? DEFAULT_TIMING);
      if (!run || ctl.signal?.aborted) throw abortError();
      ctl.onProgress?.({ phase, done: 1, total: 1 });
      return run;
    };
    const tune = await measure(data.tune, 'validate');
    const test = data.test ? await measure(data.test, 'test') : undefined;

    const names = new Set(existing?.configurations.map((c) => c.name));
    let n = 1;
    while (names.has(`${PREFIX}${n}`)) n++;
    const record = measuredRecord(`${PREFIX}${n}`, layers, choice, tune.baseline, tune, test);
    const set = existing
      ? withConfiguration(existing, record)
      : newSet(data.model.name, data.modelSha256, data.model.inputShape, layers.map((l) => l.slots.map((s) => s.op)), tune.baseline, test?.baseline, record, layers);
    ctl.onProgress?.({ phase: 'write', done: 1, total: 1 });
    writeConfigurationSet(o.setFile, set);
    return { set, name: record.name, added: true };
  } finally {
    data.dispose();
  }
}

/** The knob per layer, layer 1 first; a knob the layer does not take is refused by name before anything runs. */
function composedChoice(layers: readonly { index: number; name: string; op: string; knobs: number[] }[], knobs: ReadonlyMap<number, number>, model: string): number[] {
  for (const index of knobs.keys()) {
    if (!layers.some((l) => l.index === index)) throw new MobiproxError(`${model} has no layer ${index} (it has ${layers.length}).`, { value: index });
  }
  const choice = layers.map((l) => {
    const k = knobs.get(l.index) ?? EXACT_KNOB;
    if (!l.knobs.includes(k)) {
      throw new MobiproxError(`Layer ${l.index} (${l.op} '${l.name}') of ${model} does not take knob ${k} (it takes ${formatKnobIds(l.knobs)}).`, { value: k });
    }
    return k;
  });
  if (choice.every((k) => k === EXACT_KNOB)) {
    throw new MobiproxError('The composed configuration approximates no layer: choose a knob for at least one layer first.', { value: 'exact' });
  }
  return choice;
}

/**
 * The set with `record` inserted where its speedup puts it among the approximate configurations (conf0, the
 * exact one, stays first: strategies approximate "more" by index, src/core/DESIGN.md §2). Other names do not change.
 */
export function withConfiguration(set: ConfigurationSet, record: ConfigurationRecord): ConfigurationSet {
  const [exact, ...rest] = set.configurations;
  const at = rest.findIndex((c) => c.speedup > record.speedup);
  const approximate = at < 0 ? [...rest, record] : [...rest.slice(0, at), record, ...rest.slice(at)];
  return { ...set, configurations: [exact, ...approximate] };
}

function newSet(
  name: string, sha256: string, inputShape: number[], ops: string[][], exactTune: Measured, exactTest: Measured | undefined,
  record: ConfigurationRecord, layers: Parameters<typeof measuredRecord>[1],
): ConfigurationSet {
  return {
    format: CONFIGURATION_SET_FORMAT, version: 1,
    model: { name, sha256, inputShape, layers: ops },
    baselineTime: exactTune.latencyMsPerSample,
    configurations: [measuredRecord('conf0', layers, exactChoice(layers), exactTune, exactTune, exactTest), record],
  };
}
