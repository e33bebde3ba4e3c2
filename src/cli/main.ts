#!/usr/bin/env node
/** The `mobiprox` command: a thin driver of src/core, like the VS Code extension. */
import { Command } from 'commander';
import { MobiproxError } from '../core/errors';
import * as bundle from './commands/bundle';
import * as calibrate from './commands/calibrate';
import * as compare from './commands/compare';
import * as compose from './commands/compose';
import * as device from './commands/device';
import * as devices from './commands/devices';
import * as generate from './commands/generate';
import * as inspect from './commands/inspect';
import * as kws from './commands/kws';
import * as profile from './commands/profile';
import * as run from './commands/run';
import * as shard from './commands/shard';
import * as simulate from './commands/simulate';
import * as tune from './commands/tune';

const program = new Command()
  .name('mobiprox')
  .description('Approximation-aware on-device deep learning: inspect, run, tune, profile and ship ONNX models.')
  .version(require('../../../package.json').version)
  .showHelpAfterError()
  // A usage mistake (an unknown option, a value an option refuses) is the user's to fix, like a MobiproxError:
  // exit 2. Help and --version exit 0. Commands created below inherit this.
  .exitOverride((e) => process.exit(e.exitCode === 0 ? 0 : 2));

for (const command of [inspect, run, tune, compare, compose, devices, device, profile, simulate, calibrate, generate, bundle, kws, shard]) {
  command.register(program);
}

program.parseAsync(process.argv).catch((e: unknown) => {
  // A MobiproxError is the user's to fix: say it plainly. Anything else is our bug: keep the stack.
  const message = e instanceof MobiproxError || (e instanceof Error && e.name === 'AbortError')
    ? e.message : e instanceof Error ? e.stack ?? e.message : String(e);
  process.stderr.write(`mobiprox: ${message}\n`);
  process.exitCode = e instanceof MobiproxError ? 2 : 1;
});
