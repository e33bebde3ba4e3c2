/**
 * A configuration as a set records it once measured on the host: its figures against the exact
 * configuration measured beside it (tuning set), and the held-out test set's when it was run there. The
 * tuner's frontier and a configuration composed by hand are written the same way, so every tool reads both.
 */
import { LayerInfo } from '../compile';
import { ConfigurationRecord } from '../knobs/configurationSet';
import { configurationLayers } from './knobSpace';
import { Candidate } from './search';
import { Measured } from './validation';

export function measuredRecord(
  name: string, layers: readonly LayerInfo[], choice: readonly number[], exactTune: Measured, tune: Measured, test?: Measured, predicted?: Candidate,
): ConfigurationRecord {
  const qosLoss = exactTune.accuracy - tune.accuracy;
  const speedup = tune.speedup;
  return {
    name, speedup, energy: 1, accuracy: tune.accuracy, qosLoss, confidence: tune.confidence,
    layers: configurationLayers(layers, choice),
    ...(predicted ? { predicted: { speedup: predicted.speedup, qosLoss: predicted.loss, accuracy: exactTune.accuracy - predicted.loss } } : {}),
    host: {
      speedup, accuracy: tune.accuracy, qosLoss, qosLossInterval: [tune.qosLoss.low, tune.qosLoss.high],
      ...(test ? { testAccuracy: test.accuracy, testQosLossInterval: [test.qosLoss.low, test.qosLoss.high] as [number, number] } : {}),
      latencyMsPerSample: tune.latencyMsPerSample, timing: tune.timing, confidence: tune.confidence,
    },
  };
}
