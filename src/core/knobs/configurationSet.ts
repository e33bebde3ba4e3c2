/**
 * The project's own file for a set of configurations of one model (`*.configs.json`): what the tuner
 * writes, the device profiler enriches and the adaptation tools read. The ApproxTuner/HPVM text
 * (configuration.ts) is its interchange form; this JSON keeps everything measured.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MobiproxError } from '../errors';
import { refuseFolder, writeFileAtomic } from '../fsutil';
import { Timing } from '../runtime/mpxrun';
import { KNOB_ID_RANGES, formatKnobIds, isKnobId, knob } from './catalog';
import { Configuration, ConfidenceTriple, ConfigurationFile, SlotKnob, exactConfiguration, formatHpvm, parseHpvm } from './configuration';

export const CONFIGURATION_SET_FORMAT = 'mobiprox-configurations';

/** Where a figure was measured: predicted by the tuner's models, run on the host, or on a device. */
export interface Measurement {
  speedup: number;
  accuracy: number;
  qosLoss: number;
  /** 95 % interval of qosLoss (paired by sample against the exact configuration). */
  qosLossInterval?: [number, number];
  /** Accuracy on the held-out test set, when evaluated, and the interval of its loss. */
  testAccuracy?: number;
  testQosLossInterval?: [number, number];
  latencyMsPerSample?: number;
  /** The measurement behind speedup and latency: intervals, method, rounds, CPU and kernels. */
  timing?: Timing;
  /** Joules per sample, only when a fuel gauge was readable. */
  energyJoules?: number | null;
  confidence?: ConfidenceTriple[];
}

export interface DeviceMeasurement extends Measurement {
  serial: string;
  model?: string;
  abi: string;
}

/** Per-sample outcome on the set a configuration was profiled on, in sample order. */
export interface SampleOutcomes {
  predictions: number[];
  confidences: number[];
}

export interface ConfigurationRecord extends Configuration {
  predicted?: Pick<Measurement, 'speedup' | 'qosLoss' | 'accuracy'>;
  host?: Measurement;
  device?: DeviceMeasurement;
  samples?: SampleOutcomes;
}

/** The data a set was profiled on: its files, the first `samples` rows of them (fewer with --limit). */
export interface ProfiledData {
  input: string;
  labels: string;
  samples: number;
  /** The --limit the profile was run with. */
  limit?: number;
  /** sha256 of the profiled labels as int32 little-endian: the same labels whatever the file's dtype. */
  labelsSha256: string;
}

export function labelsSha256(labels: ArrayLike<number>): string {
  return createHash('sha256').update(new Uint8Array(Int32Array.from(labels).buffer)).digest('hex');
}

export interface ConfigurationSet {
  format: typeof CONFIGURATION_SET_FORMAT;
  version: 1;
  model: {
    name: string;
    /** sha256 of the ONNX file: a set applies to exactly one model. */
    sha256: string;
    inputShape: number[];
    /** HPVM op names of each layer's slots, layer 1 first. */
    layers: string[][];
  };
  baselineTime: number;
  /** A tuning was cancelled: the configurations are the ones validated until then. */
  partial?: boolean;
  /** The data the per-sample outcomes (`samples`) were recorded on, when a profiler recorded them. */
  profiledOn?: ProfiledData;
  /** conf0 (exact) first, then by increasing speedup. */
  configurations: ConfigurationRecord[];
}

export function readConfigurationSet(file: string): ConfigurationSet {
  refuseFolder(file, 'configuration set (.json)');
  let data: unknown;
  try {
    const text = fs.readFileSync(file, 'utf8');
    if (!text.trimStart().startsWith('{') && text.includes('+++++')) {
      throw new MobiproxError(
        `${file} is ApproxTuner/HPVM text; this needs a Mobiprox configuration set (JSON: tune --out, or profile --out for a profiled one).`,
        { file },
      );
    }
    data = JSON.parse(text);
  } catch (e) {
    if (e instanceof MobiproxError) throw e;
    throw new MobiproxError(`Cannot read the configurations ${file}: ${(e as Error).message}`, { file });
  }
  const set = data as ConfigurationSet;
  if (set?.format !== CONFIGURATION_SET_FORMAT || set.version !== 1 || !Array.isArray(set.configurations)) {
    throw new MobiproxError(`${file} is not a Mobiprox configuration set (format '${CONFIGURATION_SET_FORMAT}', version 1).`, { file });
  }
  checkConfigurationSet(set, file);
  return set;
}

/**
 * A set from either form a user may give: Mobiprox JSON (it starts with '{'), or ApproxTuner/HPVM text, whose
 * set is named after the file and knows no model hash nor input shape; the exact configuration goes first
 * when the text does not start with it, as the runtime numbers them.
 */
export function readConfigurations(file: string): ConfigurationSet {
  refuseFolder(file, 'configuration file (Mobiprox JSON or ApproxTuner/HPVM text)');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new MobiproxError(`Cannot read the configurations ${file}: ${(e as Error).message}`, { file });
  }
  if (text.trimStart().startsWith('{')) return readConfigurationSet(file);
  const parsed = parseHpvm(text, file);
  if (parsed.configurations.length === 0) throw new MobiproxError(`${file} holds no configurations.`, { file });
  const layers = parsed.configurations[0].layers.map((slots) => slots.map((s) => s.op));
  parsed.configurations.forEach((c, i) => {
    const differs = c.layers.length !== layers.length || c.layers.some((slots, j) => slots.map((s) => s.op).join(' ') !== layers[j].join(' '));
    if (differs) throw new MobiproxError(`${file}: configuration ${c.name} (${i + 1}) has other layers than ${parsed.configurations[0].name}: a set is of one model.`, { file });
  });
  const exact = parsed.configurations[0].layers.every((slots) => slots.every((s) => s.knob === 11));
  const name = path.basename(file).replace(/(\.configs)?\.txt$/i, '');
  return {
    format: CONFIGURATION_SET_FORMAT, version: 1, model: { name, sha256: '', inputShape: [], layers },
    baselineTime: parsed.baselineTime,
    configurations: exact ? parsed.configurations : [exactConfiguration(layers), ...parsed.configurations],
  };
}

const show = (v: unknown): string => {
  const text = v === undefined ? 'missing' : JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * What the tools and the HPVM text need of a set read from a file, each mistake named by the file, the
 * configuration and the layer: a name, the header figures, and per layer its slots' ops and knob ids (known
 * knobs, as many layers and slots as the set's model has, with its ops).
 */
function checkConfigurationSet(set: ConfigurationSet, file: string): void {
  const fail = (where: string, why: string) => new MobiproxError(`${file}: ${where}${why}`, { file });
  if (!isNumber(set.baselineTime)) throw fail('', `baselineTime is ${show(set.baselineTime)}, not a number.`);
  const model = set.model as unknown;
  if (model === null || typeof model !== 'object') throw fail('', `model is ${show(model)}; it describes the model the set belongs to.`);
  const modelLayers = (model as ConfigurationSet['model']).layers as unknown;
  const layerOps = Array.isArray(modelLayers) && modelLayers.every((l) => Array.isArray(l) && l.every((op) => typeof op === 'string'))
    ? (modelLayers as string[][]) : undefined;
  if (modelLayers !== undefined && !layerOps) throw fail('', `model.layers must list each layer's ops (arrays of op names), not ${show(modelLayers)}.`);
  const names = new Set<string>();
  set.configurations.forEach((c: unknown, i) => {
    const at = `configuration ${i + 1}`;
    if (c === null || typeof c !== 'object' || Array.isArray(c)) throw fail(`${at}: `, `is ${show(c)}, not an object.`);
    const conf = c as ConfigurationRecord;
    if (typeof conf.name !== 'string' || !/^\S+$/.test(conf.name)) {
      throw fail(`${at}: `, `the name ${show(conf.name)} must be a word without spaces (as in conf1).`);
    }
    if (names.has(conf.name)) throw fail(`configuration ${conf.name}: `, 'the name is used twice.');
    names.add(conf.name);
    const where = `configuration ${conf.name} (${i + 1} of ${set.configurations.length})`;
    for (const field of ['speedup', 'energy', 'accuracy', 'qosLoss'] as const) {
      if (!isNumber(conf[field])) throw fail(`${where}: `, `${field} is ${show(conf[field])}, not a number.`);
    }
    if (!Array.isArray(conf.layers)) throw fail(`${where}: `, `layers is ${show(conf.layers)}; it lists each layer's slots as {op, knob}.`);
    if (layerOps && conf.layers.length !== layerOps.length) {
      throw fail(`${where}: `, `has ${conf.layers.length} layers, but the model has ${layerOps.length}.`);
    }
    conf.layers.forEach((slots: unknown, j) => {
      const layer = `${where}, layer ${j + 1}: `;
      if (!Array.isArray(slots) || slots.length === 0) throw fail(layer, `is ${show(slots)}; a layer lists its slots as [{"op": …, "knob": …}, …].`);
      const ops = layerOps?.[j];
      if (ops && slots.length !== ops.length) {
        throw fail(layer, `has ${slots.length} slots, but the model's layer ${j + 1} has ${ops.length} (${ops.join(' ')}).`);
      }
      slots.forEach((slot: unknown, k) => {
        const s = slot as SlotKnob;
        const at = `${layer}slot ${k + 1}`;
        if (s === null || typeof s !== 'object' || typeof s.op !== 'string' || s.op === '') {
          throw fail(`${at}: `, `is ${show(slot)}; a slot is {"op": <op name>, "knob": <knob id>}.`);
        }
        if (ops && s.op !== ops[k]) throw fail(`${at}: `, `op is '${s.op}', but the model's is '${ops[k]}'.`);
        if (!Number.isInteger(s.knob) || !isKnobId(s.knob)) {
          throw fail(`${at} (${s.op}): `, `${show(s.knob)} is not an approximation knob id (valid: ${KNOB_ID_RANGES}).`);
        }
        const q = s.quant as unknown as Record<string, unknown> | undefined;
        if (knob(s.knob).int8 && !(q && typeof q === 'object' && isNumber(q.scale) && q.scale > 0 && (q.zero === 0 || q.zero === 128))) {
          throw fail(`${at} (${s.op}): `, `int8 knob ${s.knob} needs its input quantisation "quant": {"scale": > 0, "zero": 0 or 128}, not ${show(q)}.`);
        }
      });
    });
    if (conf.samples !== undefined) checkSamples(conf.samples as unknown, (why) => fail(`${where}: `, why));
  });
  const calibration = (set as { calibration?: unknown }).calibration;
  if (calibration !== undefined) checkCalibration(calibration, set.configurations.length, (why) => fail('calibration: ', why));
}

/** A configuration's per-sample outcomes, as a profiler records them: a class and a confidence per sample. */
function checkSamples(samples: unknown, fail: (why: string) => MobiproxError): void {
  const o = samples as Record<string, unknown> | null;
  if (o === null || typeof o !== 'object' || !Array.isArray(o.predictions) || !Array.isArray(o.confidences)) {
    throw fail(`samples is ${show(samples)}; it holds "predictions" and "confidences", one per sample.`);
  }
  if (o.predictions.length !== o.confidences.length) {
    throw fail(`samples has ${o.predictions.length} predictions but ${o.confidences.length} confidences.`);
  }
  const bad = o.predictions.findIndex((p) => !Number.isInteger(p) || (p as number) < 0);
  if (bad >= 0) throw fail(`samples.predictions[${bad}] is ${show(o.predictions[bad])}, not a class index.`);
  // null: JSON's NaN, from a configuration whose outputs overflowed
  const badConfidence = o.confidences.findIndex((c) => c !== null && !isNumber(c));
  if (badConfidence >= 0) throw fail(`samples.confidences[${badConfidence}] is ${show(o.confidences[badConfidence])}, not a number.`);
}

/** What `calibrate` adds to a set (adapt/profiledSet.ts, SetCalibration), as far as adaptation reads it. */
function checkCalibration(calibration: unknown, configurations: number, fail: (why: string) => MobiproxError): void {
  const o = calibration as Record<string, unknown> | null;
  if (o === null || typeof o !== 'object') throw fail(`is ${show(calibration)}; calibrate writes it (temperatures and thresholds).`);
  const t = o.temperatures;
  if (!Array.isArray(t) || t.length !== configurations || !t.every((v) => isNumber(v) && v > 0)) {
    throw fail(`temperatures is ${show(t)}; it holds one positive temperature per configuration (${configurations}). Run calibrate again.`);
  }
  const th = o.thresholds as Record<string, unknown> | null;
  const rows = (v: unknown) => Array.isArray(v) && v.every((r) => Array.isArray(r) && r.every((x) => x === null || isNumber(x)));
  if (th === null || typeof th !== 'object' || !rows(th.lessBelow) || !rows(th.moreAbove)) {
    throw fail(`thresholds is ${show(th)}; it holds "lessBelow" and "moreAbove", rows of numbers or null. Run calibrate again.`);
  }
}

/** A compiled model's layer, as far as a configuration must fit it (compile's LayerInfo). */
export interface ModelLayer {
  index: number;
  name: string;
  op: string;
  slots: { op: string }[];
  /** Knob ids the main slot takes; the other slots take 11 and 12. */
  knobs: number[];
}

/**
 * Checks, before any run, that every configuration fits the compiled model: one entry per layer, the
 * layer's ops in order, knobs that apply (those the runtime accepts). Messages name `file`, the
 * configuration and the layer.
 */
export function checkConfigurationsFit(configurations: Configuration[], layers: ModelLayer[], file: string, modelName = 'the model'): void {
  const fail = (why: string) => new MobiproxError(`${file}: ${why}`, { file });
  configurations.forEach((c, i) => {
    const where = `configuration ${c.name} (${i + 1} of ${configurations.length})`;
    if (c.layers.length !== layers.length) {
      throw fail(`${where} has ${c.layers.length} layers, but ${modelName} has ${layers.length}: it belongs to another model.`);
    }
    c.layers.forEach((slots, j) => {
      const layer = layers[j];
      const at = `${where}, layer ${layer.index} (${layer.op} '${layer.name}')`;
      const ops = layer.slots.map((s) => s.op);
      if (slots.length !== ops.length || slots.some((s, k) => s.op !== ops[k])) {
        throw fail(`${at} lists ops ${slots.map((s) => s.op).join(' ')}, but the model's layer has ${ops.join(' ')}.`);
      }
      slots.forEach((s, k) => {
        const valid = k === 0 ? layer.knobs : [11, 12];
        if (!valid.includes(s.knob)) {
          throw fail(`${at}: knob ${s.knob} does not apply to its ${k === 0 ? '' : `slot ${k + 1}, `}${s.op} (it takes ${formatKnobIds(valid)}).`);
        }
      });
    });
  });
}

export function writeConfigurationSet(file: string, set: ConfigurationSet): void {
  writeFileAtomic(file, JSON.stringify(set, null, 1) + '\n');
}

/** The HPVM text of a set; the header figures are the most trusted available: device, host, predicted. */
export function toHpvm(set: ConfigurationSet): string {
  const file: ConfigurationFile = {
    baselineTime: set.baselineTime,
    configurations: set.configurations.map((c) => {
      const m = c.device ?? c.host;
      return {
        name: c.name, layers: c.layers,
        speedup: m?.speedup ?? c.speedup, energy: c.energy, accuracy: m?.accuracy ?? c.accuracy,
        qosLoss: m?.qosLoss ?? c.qosLoss, confidence: c.device?.confidence ?? c.host?.confidence ?? c.confidence,
      };
    }),
  };
  return formatHpvm(file);
}
