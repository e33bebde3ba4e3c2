import * as vscode from 'vscode';
import { MobiproxError } from '../core/errors';

/**
 * Tells the user why `what` failed. A MobiproxError already says what is wrong and what to do; anything
 * else is a bug, logged with its stack. Either way the message offers the output channel.
 */
export async function showError(log: vscode.LogOutputChannel, what: string, error: unknown): Promise<void> {
  const choice = await vscode.window.showErrorMessage(logError(log, what, error), 'Show Output');
  if (choice === 'Show Output') log.show();
}

/** Logs why `what` failed (a bug with its stack) and returns the sentence to show the user. */
export function logError(log: vscode.LogOutputChannel, what: string, error: unknown): string {
  const message = (error as Error)?.message ?? String(error);
  log.error(`${what}: ${message}`);
  if (error instanceof MobiproxError) return message;
  if (error instanceof Error) log.error(error);
  return `${what} failed unexpectedly: ${message}. This is a bug; the details are in the Mobiprox output.`;
}

/** Errors thrown because the user cancelled (AbortSignal) are not failures to report. */
export function isCancellation(error: unknown): boolean {
  return (error as { name?: string })?.name === 'AbortError';
}
