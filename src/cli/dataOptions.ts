/**
 * Where a command's data comes from: `--input`/`--labels` and the preprocessing flags, or a data
 * configuration (`--data-config`, else `<model>.mobiprox.json` beside the model when it exists), whose
 * fields the flags given override.
 */
import * as fs from 'node:fs';
import { Command } from 'commander';
import { DataConfig, dataConfigPath, describePreprocessing, readDataConfig } from '../core/data/dataConfig';
import { Preprocessing } from '../core/data/preprocess';
import { MobiproxError } from '../core/errors';
import { addPreprocessingOptions, preprocessingFrom } from './options';

export function addDataOptions(cmd: Command, labels: 'required' | 'optional'): Command {
  return addPreprocessingOptions(
    cmd
      .option('--input <x.npy>', 'input samples, [N, ...] (default: the data configuration\'s)')
      .option('--labels <y.npy>', `class index per sample${labels === 'optional' ? '; reports accuracy' : ''} (default: the data configuration's)`)
      .option('--data-config <file>', 'input, labels and preprocessing in one file (default: <model>.mobiprox.json beside the model, if any)'),
  );
}

export interface CommandData {
  input: string;
  labels?: string;
  preprocessing: Preprocessing;
}

type DataFlags = { input?: string; labels?: string; dataConfig?: string } & Parameters<typeof preprocessingFrom>[0];

/** The command's data; says on stderr which data configuration it read. */
export function commandData(model: string, o: DataFlags, labels: 'required' | 'optional'): CommandData {
  const beside = dataConfigPath(model);
  const file = o.dataConfig ?? (!o.input && fs.existsSync(beside) ? beside : undefined);
  const config: Partial<DataConfig> = file ? readDataConfig(file) : {};
  const flags = Object.fromEntries(Object.entries(preprocessingFrom(o)).filter(([, v]) => v !== undefined));
  const data: CommandData = {
    input: o.input ?? config.input ?? '',
    labels: o.labels ?? config.labels,
    preprocessing: { ...config.preprocessing, ...flags },
  };
  if (!data.input) {
    throw new MobiproxError(`No input for ${model}: give --input (and --labels), or --data-config, or write ${beside}.`, { file: model });
  }
  if (labels === 'required' && !data.labels) {
    throw new MobiproxError(`No labels for ${data.input}: give --labels${file ? `, or "labels" in ${file}` : ''}.`, { file: data.input });
  }
  if (file) {
    process.stderr.write(`mobiprox: data from ${file}: ${data.input}, labels ${data.labels ?? 'none'}, ` +
      `preprocessing ${describePreprocessing(data.preprocessing)}\n`);
  }
  return data;
}
