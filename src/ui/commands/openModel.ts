import * as path from 'node:path';
import * as vscode from 'vscode';
import { MODEL_OVERVIEW_VIEW_TYPE } from '../modelOverview/modelOverviewEditor';

interface ModelPick extends vscode.QuickPickItem {
  uri?: vscode.Uri;
}

/** Mobiprox: Open Model — the given .onnx file (explorer menu), else one picked from the workspace or disk. */
export async function openModel(uri?: vscode.Uri): Promise<void> {
  const target = uri ?? (await pickModel());
  if (target) await vscode.commands.executeCommand('vscode.openWith', target, MODEL_OVERVIEW_VIEW_TYPE);
}

async function pickModel(): Promise<vscode.Uri | undefined> {
  const found = await vscode.workspace.findFiles('**/*.onnx', '**/node_modules/**', 500);
  if (found.length === 0) return browse();
  const picks: ModelPick[] = found
    .map((uri) => ({ label: path.posix.basename(uri.path), description: vscode.workspace.asRelativePath(uri), uri }))
    .sort((a, b) => a.description.localeCompare(b.description));
  picks.push({ label: '', kind: vscode.QuickPickItemKind.Separator }, { label: '$(folder-opened) Browse…' });
  const pick = await vscode.window.showQuickPick(picks, {
    title: 'Mobiprox: Open Model',
    placeHolder: 'ONNX model to open',
    matchOnDescription: true,
  });
  if (!pick) return undefined;
  return pick.uri ?? browse();
}

async function browse(): Promise<vscode.Uri | undefined> {
  const chosen = await vscode.window.showOpenDialog({
    title: 'Mobiprox: Open Model',
    canSelectMany: false,
    filters: { 'ONNX models': ['onnx'] },
    openLabel: 'Open Model',
  });
  return chosen?.[0];
}
