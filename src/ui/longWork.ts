import * as vscode from 'vscode';
import { ProgressIncrements, ProgressStep } from './progressText';

/**
 * Runs the core's long work (tune, profile, bundle) as a notification with a Cancel button. The button
 * aborts the work's AbortSignal, the core's one way to stop; the work decides what a cancelled run leaves.
 */
export function withCancellableProgress<T>(
  title: string,
  work: (report: (step: ProgressStep) => void, signal: AbortSignal) => Promise<T>,
): Thenable<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    const controller = new AbortController();
    const cancelled = token.onCancellationRequested(() => controller.abort());
    const increments = new ProgressIncrements();
    try {
      return await work((step) => progress.report(increments.next(step)), controller.signal);
    } finally {
      cancelled.dispose();
    }
  });
}
