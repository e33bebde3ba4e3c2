/**
 * "Is this configuration set for this model?", asked the same way by every command that applies a set to a
 * model: the set, in either form a user may give, must record the model's sha256 (a set from HPVM text
 * records none) and, once the model is compiled, fit its layers.
 */
import { configurationSetFor } from '../device/deviceMeasurements';
import { ConfigurationSet, ModelLayer, checkConfigurationsFit, readConfigurations } from '../knobs/configurationSet';
import { checkSetOfModel } from '../knobs/modelIdentity';
import { PreparedData } from '../runtime/prepare';

/** The set in `file` (Mobiprox JSON or HPVM text), refused when it records another model or does not fit `layers`. */
export function readSetOfModel(file: string, modelPath: string, layers?: ModelLayer[]): ConfigurationSet {
  const set = readConfigurations(file);
  checkSetOfModel(set, file, modelPath);
  if (layers) checkConfigurationsFit(set.configurations, layers, file, modelPath);
  return set;
}

/**
 * The set to profile on `data`: as readSetOfModel, and a set from HPVM text then records the model, so that
 * the profiled set written from it is known to be this model's.
 */
export function readSetToProfile(file: string, modelPath: string, data: PreparedData): ConfigurationSet {
  const set = readSetOfModel(file, modelPath, data.model.layers);
  return set.model.sha256 ? set : configurationSetFor(modelPath, data, set.configurations);
}
