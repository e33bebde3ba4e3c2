/**
 * The project's own file for a set of configurations of one model (`*.configs.json`): what the tuner
 * writes, the device profiler enriches and the adaptation tools read. The ApproxTuner/HPVM text
 * (configuration.ts) is its interchange form; this JSON keeps everything measured.
 */
import * as fs from 'node:fs';
import { MobiproxError } from '../errors';
import { writeFileAtomic } from '../fsutil';
import { Timing } from '../runtime/mpxrun';
import { Configuration, ConfidenceTriple, ConfigurationFile, formatHpvm } from './configuration';

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
  /** conf0 (exact) first, then by increasing speedup. */
  configurations: ConfigurationRecord[];
}

export function readConfigurationSet(file: string): ConfigurationSet {
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new MobiproxError(`Cannot read the configurations ${file}: ${(e as Error).message}`, { file });
  }
  const set = data as ConfigurationSet;
  if (set?.format !== CONFIGURATION_SET_FORMAT || set.version !== 1 || !Array.isArray(set.configurations)) {
    throw new MobiproxError(`${file} is not a Mobiprox configuration set (format '${CONFIGURATION_SET_FORMAT}', version 1).`, { file });
  }
  return set;
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
