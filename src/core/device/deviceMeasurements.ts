/**
 * Merges the records a device streamed into the configuration set: per configuration a `device`
 * measurement (speedup against the device's own exact configuration, by the median batch; accuracy and QoS
 * loss, latency, energy when the fuel gauge was readable, confidence triples) and the per-sample outcomes. The host and
 * predicted figures stay as they were; the set's order (by index) is the one the records refer to.
 */
import { MobiproxError } from '../errors';
import { Configuration, exactConfiguration } from '../knobs/configuration';
import { ConfigurationSet, CONFIGURATION_SET_FORMAT, DeviceMeasurement } from '../knobs/configurationSet';
import { setModelOf } from '../knobs/modelIdentity';
import { ProfileRecord } from '../runtime/mpxrun';
import { outcomes, pairedLossInterval } from '../stats/intervals';
import { PreparedData } from '../runtime/prepare';

export interface ProfiledDevice {
  serial: string;
  model?: string;
  abi: string;
}

/** A set for configurations read from HPVM text, the exact configuration first (added when missing). */
export function configurationSetFor(onnxPath: string, data: PreparedData, configurations: Configuration[]): ConfigurationSet {
  const model = setModelOf(onnxPath, data.model);
  const exact = configurations[0]?.layers.every((slots) => slots.every((s) => s.knob === 11));
  return {
    format: CONFIGURATION_SET_FORMAT,
    version: 1,
    model,
    baselineTime: 0,
    configurations: exact ? configurations : [exactConfiguration(model.layers), ...configurations],
  };
}

/**
 * `records[i]` is configuration i's, with its timing (measured together with configuration 0's); every
 * configuration must have one. `repeat`: passes over the data per record (energy). With the labels, each
 * loss gets its paired interval.
 */
export function withDeviceMeasurements(
  set: ConfigurationSet, records: ProfileRecord[], device: ProfiledDevice, repeat = 1, labels?: ArrayLike<number>,
): ConfigurationSet {
  const missing = set.configurations.findIndex((_, i) => records[i]?.index !== i || !records[i].timing);
  if (missing >= 0) throw new MobiproxError(`No timed device record for ${set.configurations[missing].name} (index ${missing}).`);
  const base = records[0];
  const exactOutcomes = labels && base.predictions ? outcomes(base.predictions, labels) : undefined;
  return {
    ...set,
    configurations: set.configurations.map((c, i) => {
      const r = records[i];
      const timing = r.timing!;
      const loss = exactOutcomes && r.predictions ? pairedLossInterval(exactOutcomes, outcomes(r.predictions, labels!)) : undefined;
      const measured: DeviceMeasurement = {
        serial: device.serial,
        ...(device.model === undefined ? {} : { model: device.model }),
        abi: device.abi,
        speedup: timing.speedup.estimate,
        accuracy: r.accuracy,
        qosLoss: base.accuracy - r.accuracy,
        ...(loss ? { qosLossInterval: [loss.low, loss.high] as [number, number] } : {}),
        latencyMsPerSample: timing.latencyMsPerSample.estimate,
        timing,
        // mpxrun measures the whole timed run; the set keeps joules per sample.
        energyJoules: r.energyJoules === null ? null : r.energyJoules / (r.samples * repeat),
        confidence: [{ mean: r.confidence.mean, correct: r.confidence.correct, wrong: r.confidence.wrong }, ...r.confidence.perClass],
      };
      const samples = r.predictions && r.confidences ? { predictions: r.predictions, confidences: r.confidences } : c.samples;
      return { ...c, device: measured, ...(samples ? { samples } : {}) };
    }),
  };
}
