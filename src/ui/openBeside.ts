import * as vscode from 'vscode';

/** Opens generated sources in the editor group beside the active one, the last file focused. */
export async function openBeside(files: readonly string[]): Promise<void> {
  for (const [i, file] of files.entries()) {
    await vscode.window.showTextDocument(vscode.Uri.file(file), {
      viewColumn: vscode.ViewColumn.Beside,
      preview: false,
      preserveFocus: i < files.length - 1,
    });
  }
}

/** The sources a developer reads first: the adaptation engine and the model wrapper. */
export function mainSources(files: readonly string[]): string[] {
  return files.filter((f) => /Mobiprox(Adaptation|Model)\.(kt|java)$/.test(f));
}
