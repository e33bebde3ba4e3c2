import * as vscode from 'vscode';
import { MobiproxError } from '../core/errors';

/**
 * Tells the user why `what` failed. A MobiproxError already says what is wrong and what to do; anything
 * else is a bug, logged with its stack. Either way the message offers the output channel.
 */
export async function showError(log: vscode.LogOutputChannel, what: string, error: unknown): Promise<void> {
  const known = error instanceof MobiproxError;
  const text = known ? error.message : `${what} failed unexpectedly: ${(error as Error)?.message ?? String(error)}. This is a bug; the details are in the Mobiprox output.`;
  log.error(`${what}: ${(error as Error)?.message ?? String(error)}`);
  if (!known && error instanceof Error) log.error(error);
  const choice = await vscode.window.showErrorMessage(text, 'Show Output');
  if (choice === 'Show Output') log.show();
}

/** Errors thrown because the user cancelled (AbortSignal) are not failures to report. */
export function isCancellation(error: unknown): boolean {
  return (error as { name?: string })?.name === 'AbortError';
}
