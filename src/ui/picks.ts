import * as path from 'node:path';
import * as vscode from 'vscode';

interface FilePick extends vscode.QuickPickItem {
  file?: string;
}

/**
 * A workspace file matching `glob`, picked from a list (most recently modified first), or browsed for.
 * Undefined when the user dismissed the pick.
 */
export async function pickWorkspaceFile(glob: string, title: string, placeHolder: string, filters: Record<string, string[]>): Promise<string | undefined> {
  const found = await vscode.workspace.findFiles(glob, '**/node_modules/**', 500);
  const picks: FilePick[] = found
    .filter((u) => u.scheme === 'file')
    .map((u) => ({ label: path.basename(u.fsPath), description: vscode.workspace.asRelativePath(u), file: u.fsPath }))
    .sort((a, b) => a.description.localeCompare(b.description));
  picks.push({ label: '', kind: vscode.QuickPickItemKind.Separator }, { label: '$(folder-opened) Browse…' });
  const pick = await vscode.window.showQuickPick(picks, { title, placeHolder, matchOnDescription: true, ignoreFocusOut: true });
  if (!pick) return undefined;
  if (pick.file) return pick.file;
  const chosen = await vscode.window.showOpenDialog({ title, canSelectMany: false, filters, openLabel: 'Choose' });
  return chosen?.[0]?.fsPath;
}

export const pickModelFile = (title: string): Promise<string | undefined> =>
  pickWorkspaceFile('**/*.onnx', title, 'ONNX model', { 'ONNX models': ['onnx'] });

export const pickNpyFile = (title: string, placeHolder: string): Promise<string | undefined> =>
  pickWorkspaceFile('**/*.npy', title, placeHolder, { 'NumPy arrays': ['npy'] });

export const pickConfigurationSet = (title: string, placeHolder = 'Configuration set (from Tune Model or Profile on Device)'): Promise<string | undefined> =>
  pickWorkspaceFile('**/*.{configs,profiled}.json', title, placeHolder, { 'Mobiprox configurations': ['json'] });
