import * as vscode from 'vscode';
import { snippetLine } from '../../core/codegen/snippetPlacement';
import { usageSnippet } from '../../core/codegen/wrapper';
import { Lang } from '../../core/codegen/literals';

/** The language of a Kotlin or Java document, the two the generated code comes in. */
export function snippetLanguage(document: vscode.TextDocument): Lang | undefined {
  if (document.languageId === 'kotlin' || /\.kts?$/.test(document.fileName)) return 'kotlin';
  if (document.languageId === 'java' || document.fileName.endsWith('.java')) return 'java';
  return undefined;
}

function snippetFor(lang: Lang, modelName: string): vscode.SnippetString {
  // The snippet is code, not a template: escape what SnippetString would read as placeholders.
  return new vscode.SnippetString(usageSnippet(lang, `${modelName}.mpxm`, `${modelName}.configs.txt`).replace(/[$}\\]/g, (c) => `\\${c}`));
}

/** Mobiprox: Insert Usage Snippet — the generated classes' usage, at the cursor of a Kotlin or Java file (snippetPlacement.ts). */
export async function insertSnippet(args: { model?: string } = {}): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  const lang = editor && snippetLanguage(editor.document);
  if (!editor || !lang) {
    void vscode.window.showWarningMessage('Open a Kotlin or Java file to insert the Mobiprox usage snippet into.');
    return;
  }
  const line = snippetLine(editor.document.getText(), editor.selection.active.line);
  const at = line < editor.document.lineCount ? new vscode.Position(line, 0) : editor.document.lineAt(editor.document.lineCount - 1).range.end;
  const snippet = snippetFor(lang, args.model ?? 'model');
  // a blank line on each side, and the end of the file's last line ended first
  snippet.value = `${at.character > 0 ? '\n' : ''}\n${snippet.value}\n`;
  await editor.insertSnippet(snippet, at);
}

/** The same snippet offered by completion in Kotlin and Java files, as "mobiprox". */
export function snippetCompletions(): vscode.Disposable {
  const provider: vscode.CompletionItemProvider = {
    provideCompletionItems(document) {
      const lang = snippetLanguage(document);
      if (!lang) return [];
      const item = new vscode.CompletionItem('mobiprox', vscode.CompletionItemKind.Snippet);
      item.detail = 'Mobiprox: run the model under the generated adaptation engine';
      item.insertText = snippetFor(lang, 'model');
      return [item];
    },
  };
  return vscode.languages.registerCompletionItemProvider(
    [{ language: 'kotlin' }, { language: 'java' }, { pattern: '**/*.kt' }],
    provider,
  );
}
