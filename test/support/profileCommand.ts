/**
 * The `profile` command under a program of its own, handling errors as src/cli/main.ts does, so that its
 * tests run the real command-line path in a child process.
 */
import { Command } from 'commander';
import * as profile from '../../src/cli/commands/profile';
import { MobiproxError } from '../../src/core/errors';

const program = new Command().name('mobiprox');
profile.register(program);
program.parseAsync(process.argv).catch((e: unknown) => {
  process.stderr.write(`mobiprox: ${e instanceof MobiproxError ? e.message : e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = e instanceof MobiproxError ? 2 : 1;
});
