import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { dataConfigPath } from '../../core/data/dataConfig';
import { CommandContext } from '../commandContext';
import { showError } from '../showError';
import { modelArgument } from './modelArgument';
import { modelData } from './modelData';

const TITLE = 'Mobiprox: Edit Data Configuration';

/**
 * Opens the model's data configuration (`<model>.mobiprox.json`) to edit; a model without one gets one
 * proposed from two picked files and previewed first (modelData), then opened.
 */
export async function editDataConfiguration(ctx: CommandContext, args: { model?: string } = {}): Promise<void> {
  try {
    const model = await modelArgument(ctx, args.model, TITLE);
    if (!model) return;
    const file = dataConfigPath(model);
    if (!fs.existsSync(file) && !(await modelData(ctx, model, TITLE, {}))) return;
    await vscode.window.showTextDocument(vscode.Uri.file(file), { viewColumn: vscode.ViewColumn.Beside });
  } catch (e) {
    await showError(ctx.log, 'Editing the data configuration', e);
  }
}
