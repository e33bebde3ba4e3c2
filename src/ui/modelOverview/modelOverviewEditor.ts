import * as path from 'node:path';
import * as vscode from 'vscode';
import { dataConfigPath } from '../../core/data/dataConfig';
import { LastOpenedModel } from '../model/lastOpenedModel';
import { LoadedModel } from '../model/loadModel';
import { loadModelAt } from '../model/loadModelAt';
import { HostMessage, isWebviewMessage } from '../protocol/modelOverview';
import { webviewHtml, webviewRoot } from '../webviewHtml';
import { dataSection } from './dataSection';
import { knobSpeedupsMessage, layerTimesMessage, overviewMessage } from './overviewMessages';
import { readSettings } from '../settings';

export const MODEL_OVERVIEW_VIEW_TYPE = 'mobiprox.modelOverview';

class ModelDocument implements vscode.CustomDocument {
  constructor(
    readonly uri: vscode.Uri,
    readonly loaded: LoadedModel,
  ) {}

  /** Nothing to release: the compiled model is plain data. */
  dispose(): void {}
}

/**
 * The read-only editor of *.onnx files: compiles the model once per opened document and shows its overview
 * (layers table, FLOPs per layer) in a webview. VS Code restores these editors after a reload by calling the
 * provider again, so no WebviewPanelSerializer is needed; the page repaints from its saved state meanwhile.
 */
export class ModelOverviewEditorProvider implements vscode.CustomReadonlyEditorProvider<ModelDocument> {
  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly lastModel: LastOpenedModel,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  async openCustomDocument(uri: vscode.Uri): Promise<ModelDocument> {
    const document = new ModelDocument(uri, await loadModelAt(uri, this.log));
    this.lastModel.set(document.loaded, document.uri);
    return document;
  }

  resolveCustomEditor(document: ModelDocument, panel: vscode.WebviewPanel): void {
    const webview = panel.webview;
    webview.options = { enableScripts: true, localResourceRoots: [webviewRoot(this.extensionUri)] };
    webview.html = webviewHtml(webview, this.extensionUri, {
      title: `Model overview: ${document.loaded.file}`,
      name: 'modelOverview',
    });
    const message: HostMessage = overviewMessage(document.loaded);
    const model = document.uri.fsPath;
    const sendData = (): void => {
      if (!('model' in document.loaded)) return;
      void dataSection(model, (f) => vscode.workspace.asRelativePath(f)).then((data) => webview.postMessage({ type: 'data', data }));
    };
    // the Data section follows the configuration as it is proposed, edited or deleted
    const configWatcher = vscode.workspace.createFileSystemWatcher(
      new vscode.RelativePattern(vscode.Uri.file(path.dirname(model)), path.basename(dataConfigPath(model))),
    );
    const subscriptions = [
      configWatcher,
      configWatcher.onDidCreate(sendData),
      configWatcher.onDidChange(sendData),
      configWatcher.onDidDelete(sendData),
      webview.onDidReceiveMessage((m: unknown) => {
        if (!isWebviewMessage(m)) return;
        if (m.type === 'ready') {
          void webview.postMessage(message);
          sendData();
        }
        if (m.type === 'editData') void vscode.commands.executeCommand('mobiprox.editDataConfiguration', { model });
        if (m.type === 'selectLayer') void vscode.commands.executeCommand('mobiprox.revealLayer', m.layer);
        if (m.type === 'measureLayerTimes' && 'model' in document.loaded) {
          void layerTimesMessage(document.loaded.model, readSettings().threads ?? 1, this.log).then((reply) => webview.postMessage(reply));
        }
        if (m.type === 'measureKnobSpeedups' && 'model' in document.loaded) {
          void knobSpeedupsMessage(document.loaded.model, readSettings().threads ?? 1, this.log).then((reply) => webview.postMessage(reply));
        }
      }),
      // The Model view follows the overview the user is looking at.
      panel.onDidChangeViewState((e) => {
        if (e.webviewPanel.active) this.lastModel.set(document.loaded, document.uri);
      }),
    ];
    panel.onDidDispose(() => subscriptions.forEach((s) => s.dispose()));
  }
}
