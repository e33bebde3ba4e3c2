/**
 * The `devices` and `device` commands under a program of their own, handling errors as src/cli/main.ts
 * does, so that their tests run the real command-line path in a child process.
 */
import { Command } from 'commander';
import * as device from '../../src/cli/commands/device';
import * as devices from '../../src/cli/commands/devices';
import { MobiproxError } from '../../src/core/errors';

const program = new Command().name('mobiprox');
devices.register(program);
device.register(program);
program.parseAsync(process.argv).catch((e: unknown) => {
  process.stderr.write(`mobiprox: ${e instanceof MobiproxError ? e.message : e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = e instanceof MobiproxError ? 2 : 1;
});
