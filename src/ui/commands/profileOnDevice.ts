import * as path from 'node:path';
import * as vscode from 'vscode';
import { DataConfig } from '../../core/data/dataConfig';
import { profileSet } from '../../core/usecases/profileSet';
import { CommandContext } from '../commandContext';
import { withCancellableProgress } from '../longWork';
import { pickConfigurationSet } from '../picks';
import { ProgressStep, profileProgressStep } from '../progressText';
import { profiledSetPath } from '../runs/outputPaths';
import { readSettings } from '../settings';
import { isCancellation, showError } from '../showError';
import { modelArgument } from './modelArgument';
import { modelData } from './modelData';
import { pickDevice } from './pickDevice';

export interface ProfileArgs {
  model?: string;
  configs?: string;
  /** Only these configurations (and the exact one); default all. */
  names?: string[];
  input?: string;
  labels?: string;
  /** Only the first n samples. */
  limit?: number;
  device?: string;
  out?: string;
}

const TITLE = 'Mobiprox: Profile on Device';

/** Mobiprox: Profile on Device. Resolves to the profiled set written, undefined when nothing was. */
export async function profileOnDevice(ctx: CommandContext, args: ProfileArgs = {}): Promise<string | undefined> {
  try {
    const configs = args.configs ?? ctx.runs.latestResult()?.configs ?? (await pickConfigurationSet(TITLE));
    if (!configs) return undefined;
    const model = await modelArgument(ctx, args.model, TITLE);
    if (!model) return undefined;
    // the model's data configuration (what Tune Model saved), or the files given
    const data = await modelData(ctx, model, TITLE, args);
    if (!data) return undefined;
    const serial = args.device ?? (await pickDevice(ctx, TITLE));
    if (!serial) return undefined;
    const out = args.out ?? profiledSetPath(configs);
    return await run(ctx, { model, configs, names: args.names, data, limit: args.limit, serial, out });
  } catch (e) {
    await showError(ctx.log, 'Profiling', e);
    return undefined;
  }
}

async function run(
  ctx: CommandContext,
  o: { model: string; configs: string; names?: string[]; data: DataConfig; limit?: number; serial: string; out: string },
): Promise<string | undefined> {
  const name = path.basename(o.model, path.extname(o.model));
  const entry = ctx.runs.start({ kind: 'profiling', model: o.model, configs: o.out, device: o.serial });
  try {
    const result = await withCancellableProgress(`Profiling ${name} on ${o.serial}`, (report, signal) => {
      // the notification and the Runs view follow the same steps
      const progress = (step: ProgressStep) => (report(step), ctx.runs.progress(entry.id, step));
      return profileSet(
        {
          model: o.model, configs: o.configs, names: o.names, input: o.data.input, labels: o.data.labels, preprocessing: o.data.preprocessing,
          limit: o.limit, adb: () => ctx.devices.adb(),
          serial: o.serial, recordsFile: `${o.out}.records.jsonl`, threads: readSettings().threads, out: o.out,
        },
        { onProgress: (p) => progress(profileProgressStep(p)), signal },
      );
    });
    ctx.runs.finish(entry.id, { status: 'done', set: result.set });
    ctx.log.info(`profiled ${result.set.configurations.length} configurations of ${name} on ${o.serial} (${result.device.abi}); wrote ${o.out}`);
    void vscode.window
      .showInformationMessage(`Profiled ${name} on ${o.serial}: ${result.set.configurations.length} configurations.`, 'Show Pareto Plot')
      .then((choice) => {
        if (choice) void vscode.commands.executeCommand('mobiprox.showParetoPlot', { configs: o.out });
      });
    return o.out;
  } catch (e) {
    ctx.runs.finish(entry.id, { status: isCancellation(e) ? 'cancelled' : 'failed', error: (e as Error).message });
    if (!isCancellation(e)) throw e;
    return undefined;
  }
}
