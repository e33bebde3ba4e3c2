import * as vscode from 'vscode';
import { openModel } from './commands/openModel';
import { LastOpenedModel } from './model/lastOpenedModel';
import { createModelView } from './model/modelTreeProvider';
import { MODEL_OVERVIEW_VIEW_TYPE, ModelOverviewEditorProvider } from './modelOverview/modelOverviewEditor';
import { createEmptyTreeView } from './views/emptyTreeView';

/** Wires the views, the .onnx editor and the commands; VS Code disposes them all with the subscriptions. */
export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Mobiprox', { log: true });
  const lastModel = new LastOpenedModel();
  context.subscriptions.push(
    log,
    lastModel,
    createModelView(lastModel),
    createEmptyTreeView('mobiprox.devices'),
    createEmptyTreeView('mobiprox.runs'),
    vscode.window.registerCustomEditorProvider(
      MODEL_OVERVIEW_VIEW_TYPE,
      new ModelOverviewEditorProvider(context.extensionUri, lastModel, log),
      { supportsMultipleEditorsPerDocument: true },
    ),
    vscode.commands.registerCommand('mobiprox.openModel', (uri?: vscode.Uri) => openModel(uri)),
  );
  log.info(`Mobiprox ${context.extension.packageJSON.version} activated`);
}
