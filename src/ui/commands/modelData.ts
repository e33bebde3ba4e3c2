import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { compileModel } from '../../core/compile';
import { DataConfig, dataConfigPath, describePreprocessing, proposeDataConfig, readDataConfig, writeDataConfig } from '../../core/data/dataConfig';
import { readNpy } from '../../core/data/npy';
import { previewData } from '../../core/runtime/dataPreview';
import { CommandContext } from '../commandContext';
import { pickNpyFile } from '../picks';

const OPEN = 'Open Data Configuration';

/**
 * The data a command runs the model on: the files given, else the data configuration beside the model
 * (`<model>.mobiprox.json`), else two picks from which a configuration is proposed (8-bit → 1/255,
 * channels-last → first), previewed on 200 samples and saved beside the model for every later command.
 * Undefined when the user dismissed a pick or the preview found the data unusable (the message then says
 * what to fix and opens the configuration to edit).
 */
export async function modelData(
  ctx: CommandContext, model: string, title: string, given: { input?: string; labels?: string },
): Promise<DataConfig | undefined> {
  const file = dataConfigPath(model);
  if (given.input && given.labels) return { input: given.input, labels: given.labels, preprocessing: fs.existsSync(file) ? readDataConfig(file).preprocessing : {} };
  if (fs.existsSync(file)) {
    const config = readDataConfig(file);
    ctx.log.info(`data of ${path.basename(model)} from ${file}: ${config.input}, preprocessing ${describePreprocessing(config.preprocessing)}`);
    return config;
  }
  const input = given.input ?? (await pickNpyFile(title, 'Input samples [N, …]: the tuning set first, then the test set'));
  if (!input) return undefined;
  const labels = given.labels ?? (await pickNpyFile(title, 'Labels: one class index per sample'));
  if (!labels) return undefined;
  const proposal = proposeDataConfig(compileModel(model), readNpy(input), input, labels);
  writeDataConfig(file, proposal.config);
  // the file stays to be edited when the data does not fit: later commands read it without asking again
  const offer = (problem: string) => void vscode.window.showErrorMessage(`${title}: ${problem} Edit ${path.basename(file)} and run the command again.`, OPEN)
    .then((choice) => choice && vscode.window.showTextDocument(vscode.Uri.file(file)));
  let preview;
  try {
    preview = await previewData(model, proposal.config);
  } catch (e) {
    offer((e as Error).message);
    return undefined;
  }
  const summary =
    `exact accuracy ${preview.accuracy.toFixed(1)} % on the first ${preview.samples} samples (chance ${preview.chance.toFixed(1)} %), ` +
    `preprocessing ${describePreprocessing(proposal.config.preprocessing)} (${proposal.reasons.join('; ')})`;
  ctx.log.info(`data of ${path.basename(model)} saved in ${file}: ${summary}`);
  if (!preview.problem) return proposal.config;
  offer(preview.problem);
  return undefined;
}
