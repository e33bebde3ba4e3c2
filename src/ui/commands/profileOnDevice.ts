import * as path from 'node:path';
import { DataConfig } from '../../core/data/dataConfig';
import { profileSet } from '../../core/usecases/profileSet';
import { CommandContext } from '../commandContext';
import { ParetoPanels } from '../pareto/paretoPanels';
import { runInPanel } from '../pareto/panelWork';
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
export async function profileOnDevice(ctx: CommandContext, pareto: ParetoPanels, args: ProfileArgs = {}): Promise<string | undefined> {
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
    return await run(ctx, pareto, { model, configs, names: args.names, data, limit: args.limit, serial, out });
  } catch (e) {
    await showError(ctx.log, 'Profiling', e);
    return undefined;
  }
}

async function run(
  ctx: CommandContext, pareto: ParetoPanels,
  o: { model: string; configs: string; names?: string[]; data: DataConfig; limit?: number; serial: string; out: string },
): Promise<string | undefined> {
  const name = path.basename(o.model, path.extname(o.model));
  const entry = ctx.runs.start({ kind: 'profiling', model: o.model, configs: o.out, device: o.serial });
  const recordsFile = `${o.out}.records.jsonl`;
  // progress in the panel of the set profiled (or a notification) and in the Runs view
  const result = await runInPanel(pareto, ctx.log, {
    file: o.configs,
    title: `Profiling ${name} on ${o.serial}`,
    work: async (report, signal) => {
      try {
        const progress = (step: ProgressStep) => (report(step), ctx.runs.progress(entry.id, step));
        const r = await profileSet(
          {
            model: o.model, configs: o.configs, names: o.names, input: o.data.input, labels: o.data.labels,
            preprocessing: o.data.preprocessing, limit: o.limit, adb: () => ctx.devices.adb(),
            serial: o.serial, recordsFile, threads: readSettings().threads, out: o.out,
          },
          { onProgress: (p) => progress(profileProgressStep(p)), signal },
        );
        ctx.runs.finish(entry.id, { status: 'done', set: r.set });
        return r;
      } catch (e) {
        ctx.runs.finish(entry.id, { status: isCancellation(e) ? 'cancelled' : 'failed', error: (e as Error).message });
        throw e;
      }
    },
    result: (r) => `Profiled ${name} on ${o.serial} (${r.device.abi}): ${r.set.configurations.length} configurations, written to ${path.basename(o.out)}.`,
    cancelled: `the configurations profiled so far stay in ${path.basename(recordsFile)} (mobiprox profile --resume continues from them)`,
  });
  if (!result) return undefined;
  // the profiled set's own panel: device points beside the host's, and in its status line (replacing what
  // it said of the set it showed before) where they come from
  pareto.status(o.out, { state: 'done', text: `Profiled on ${o.serial} (${result.device.abi}): ${result.set.configurations.map((c) => c.name).join(', ')}.` });
  pareto.show(o.out);
  return o.out;
}
