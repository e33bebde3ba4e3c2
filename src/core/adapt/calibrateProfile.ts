/**
 * Calibration of a profiled configuration set on validation data: every configuration runs on the host
 * runtime over the validation samples, a softmax temperature is fitted per configuration (or one given T is
 * used), and the set gains the temperatures, the calibrated confidence triples and the thresholds that the
 * confidence-driven and budget strategies read.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readNpy } from '../data/npy';
import { Preprocessing } from '../data/preprocess';
import { ConfigurationSet, checkConfigurationsFit, toHpvm } from '../knobs/configurationSet';
import { prepareData } from '../runtime/prepare';
import {
  ConfigurationCalibration, calibrateConfigurations, calibratedOutputs, confidenceTriples, expectedCalibrationError,
  negativeLogLikelihood,
} from './calibration';
import { classCount, configurationOutputs } from './hostProfile';
import { AdaptableSet, withCalibration } from './profiledSet';

export interface CalibrationRequest {
  set: ConfigurationSet;
  /** The file the set was read from, for messages. */
  setFile?: string;
  /** The ONNX model the set belongs to. */
  model: string;
  /** Validation samples and labels (not the traces that will be simulated). */
  input: string;
  labels: string;
  preprocessing?: Preprocessing;
  /** 'auto' (default) fits T per configuration; a number is used for all. */
  temperature?: number | 'auto';
  threads?: number;
  signal?: AbortSignal;
}

export async function calibrateProfile(r: CalibrationRequest): Promise<AdaptableSet> {
  const data = prepareData({ model: r.model, input: r.input, labels: r.labels, preprocessing: r.preprocessing ?? {} });
  try {
    checkConfigurationsFit(r.set.configurations, data.model.layers, r.setFile ?? 'the configuration set', r.model);
    const configsPath = path.join(data.workDir, 'configurations.txt');
    fs.writeFileSync(configsPath, toHpvm(r.set));
    const logits = await configurationOutputs(data, configsPath, r.set.configurations.length, { threads: r.threads, signal: r.signal });
    const labels = readNpy(data.labelsPath!).data as Int32Array;
    const classes = classCount(data);
    const t = r.temperature ?? 'auto';
    const calibration = t === 'auto'
      ? calibrateConfigurations(logits, labels, classes)
      : logits.map((l) => atTemperature(l, labels, classes, t));
    return withCalibration(r.set, calibration, { input: path.resolve(r.input), samples: data.samples });
  } finally {
    data.dispose();
  }
}

/** Calibration at a given T (no fit): the same report, so that a user can compare a T of their own. */
function atTemperature(logits: ArrayLike<number>, labels: ArrayLike<number>, classes: number, t: number): ConfigurationCalibration {
  const before = calibratedOutputs(logits, classes, 1);
  const after = calibratedOutputs(logits, classes, t);
  return {
    fit: {
      temperature: t,
      nllBefore: negativeLogLikelihood(logits, labels, classes, 1),
      nllAfter: negativeLogLikelihood(logits, labels, classes, t),
      eceBefore: expectedCalibrationError(before.predictions, before.confidences, labels),
      eceAfter: expectedCalibrationError(after.predictions, after.confidences, labels),
    },
    triples: confidenceTriples(after.predictions, after.confidences, labels, classes),
  };
}
