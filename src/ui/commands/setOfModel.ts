import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { MobiproxError } from '../../core/errors';
import { ConfigurationSet, readConfigurationSet } from '../../core/knobs/configurationSet';

/** A configuration set that must belong to `model`: the set records the model's sha256. */
export function readSetOfModel(configs: string, model: string): ConfigurationSet {
  const set = readConfigurationSet(configs);
  const sha = crypto.createHash('sha256').update(fs.readFileSync(model)).digest('hex');
  if (set.model.sha256 && set.model.sha256 !== sha) {
    throw new MobiproxError(`${configs} holds configurations of another model than ${model} (sha256 differs); tune this model first.`, { file: configs });
  }
  return set;
}
