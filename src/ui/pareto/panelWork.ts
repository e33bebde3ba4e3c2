import * as vscode from 'vscode';
import { withCancellableProgress } from '../longWork';
import { ProgressStep } from '../progressText';
import { isCancellation, logError, showError } from '../showError';
import { ParetoPanels } from './paretoPanels';

export interface PanelWork<T> {
  /** The set whose panel the action belongs to. */
  file: string;
  /** What runs, in words: "Comparing conf0 and conf3". */
  title: string;
  work: (report: (step: ProgressStep) => void, signal: AbortSignal) => Promise<T>;
  /** The result in one sentence. */
  result: (value: T) => string;
  /** What a cancelled run kept, when it keeps anything. */
  cancelled?: string;
}

/**
 * Runs an action of a Pareto panel with its progress, result or error in the panel's own status line (with
 * a Cancel button while it runs), so that notifications do not stack over the panel; when the panel is not
 * open, as a cancellable notification. Resolves to undefined when the work failed or was cancelled.
 */
export async function runInPanel<T>(panels: ParetoPanels, log: vscode.LogOutputChannel, w: PanelWork<T>): Promise<T | undefined> {
  if (!panels.isOpen(w.file)) {
    try {
      const value = await withCancellableProgress(w.title, w.work);
      void vscode.window.showInformationMessage(w.result(value));
      return value;
    } catch (e) {
      if (!isCancellation(e)) await showError(log, w.title, e);
      return undefined;
    }
  }
  const controller = new AbortController();
  const cancel = () => controller.abort();
  panels.status(w.file, { state: 'running', text: `${w.title}…` }, cancel);
  try {
    const value = await w.work((step) => panels.status(w.file, { state: 'running', text: `${w.title}: ${step.message}`, fraction: step.fraction }, cancel), controller.signal);
    const text = w.result(value);
    log.info(text);
    panels.status(w.file, { state: 'done', text });
    // the panel was closed meanwhile: the result still reaches the user
    if (!panels.isOpen(w.file)) void vscode.window.showInformationMessage(text);
    return value;
  } catch (e) {
    if (isCancellation(e)) {
      panels.status(w.file, { state: 'cancelled', text: `${w.title}: cancelled${w.cancelled ? `; ${w.cancelled}` : ''}.` });
    } else {
      const text = logError(log, w.title, e);
      panels.status(w.file, { state: 'failed', text });
      if (!panels.isOpen(w.file)) void vscode.window.showErrorMessage(text);
    }
    return undefined;
  }
}
