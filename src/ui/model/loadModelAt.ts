import * as vscode from 'vscode';
import { loadModel, LoadedModel } from './loadModel';

/** Compiles the .onnx file at `uri`: from its path on the local disk (so errors name it), else from its bytes. */
export async function loadModelAt(uri: vscode.Uri, log: vscode.LogOutputChannel): Promise<LoadedModel> {
  const file = vscode.workspace.asRelativePath(uri);
  const started = Date.now();
  const loaded = uri.scheme === 'file' ? loadModel(uri.fsPath, file) : loadModel(await vscode.workspace.fs.readFile(uri), file);
  if ('model' in loaded) {
    log.info(`${file}: ${loaded.model.layers.length} layers compiled in ${Date.now() - started} ms`);
  } else {
    log.error(`${file}: ${loaded.failure.message}`);
    if (loaded.cause instanceof Error && loaded.cause.name !== 'MobiproxError') log.error(loaded.cause);
  }
  return loaded;
}
