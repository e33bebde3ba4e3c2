/**
 * What a test needs from the machine: the tools toolchain/setup.sh installs, the models and data sets in
 * ../shared, builds. Without them a test is skipped with the reason, except under CI (CI=true), where the
 * machine is meant to have everything: there the test fails with that reason, so no tier passes skipped.
 */
import { execFileSync } from 'node:child_process';
import { findOnPath } from '../../src/core/device/adbLocation';

/** CI=true, as .ci/run is run in CI. */
const IN_CI = process.env.CI === 'true';

/** Skips the calling test, or its suite from a `before` hook, saying why; under CI, fails saying why. */
export function unavailable(ctx: Mocha.Context, reason: string): never {
  if (IN_CI) throw new Error(`${reason} (CI=true: a missing tool or data set fails the run instead of skipping it)`);
  console.warn(`      skipped: ${reason}`);
  return ctx.skip();
}

/** Those of the tools that are not on PATH. */
export function missingTools(...tools: string[]): string[] {
  return tools.filter((t) => !findOnPath(t));
}

/** Skips (fails under CI) unless every tool is on PATH. */
export function requireTools(ctx: Mocha.Context, ...tools: string[]): void {
  const missing = missingTools(...tools);
  if (missing.length) unavailable(ctx, `${missing.join(', ')} not installed (toolchain/setup.sh installs them)`);
}

/** Debian's python3, which carries numpy and torch for the training scripts (toolchain/setup.sh). */
export const SYSTEM_PYTHON = '/usr/bin/python3';

/** Skips (fails under CI) unless SYSTEM_PYTHON imports numpy; `what` says what needs it. */
export function requireNumpy(ctx: Mocha.Context, what: string): void {
  try {
    execFileSync(SYSTEM_PYTHON, ['-c', 'import numpy'], { stdio: 'ignore' });
  } catch {
    unavailable(ctx, `${SYSTEM_PYTHON} has no numpy (python3-numpy: toolchain/setup.sh installs it), needed ${what}`);
  }
}
