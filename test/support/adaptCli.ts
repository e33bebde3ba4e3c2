/**
 * A `mobiprox` with the adaptation commands only, driven like src/cli/main.ts (same error reporting), so
 * that their tests do not depend on which commands main.ts registers.
 */
import { Command } from 'commander';
import * as bundle from '../../src/cli/commands/bundle';
import * as calibrate from '../../src/cli/commands/calibrate';
import * as generate from '../../src/cli/commands/generate';
import * as simulate from '../../src/cli/commands/simulate';
import { MobiproxError } from '../../src/core/errors';

const program = new Command().name('mobiprox').showHelpAfterError();
for (const command of [simulate, calibrate, generate, bundle]) command.register(program);
program.parseAsync(process.argv).catch((e: unknown) => {
  const message = e instanceof MobiproxError ? e.message : e instanceof Error ? e.stack ?? e.message : String(e);
  process.stderr.write(`mobiprox: ${message}\n`);
  process.exitCode = e instanceof MobiproxError ? 2 : 1;
});
