import * as path from 'node:path';
import { compareConfigurations as compare } from '../../core/runtime/compareConfigurations';
import { readSetOfModel } from '../../core/usecases/setOfModel';
import { CommandContext } from '../commandContext';
import { withCancellableProgress } from '../longWork';
import { ParetoPanels } from '../pareto/paretoPanels';
import { readSettings } from '../settings';
import { isCancellation, showError } from '../showError';
import { modelArgument } from './modelArgument';
import { modelData } from './modelData';

const TITLE = 'Mobiprox: Compare Configurations';
/** Enough samples for per-class accuracies to mean something, few enough to answer in seconds. */
const SAMPLES = 2000;

/** Compare from the Pareto panel: two selected configurations measured now on the host, shown in the panel. */
export async function compareConfigurations(ctx: CommandContext, pareto: ParetoPanels, args: { configs: string; names: string[] }): Promise<void> {
  try {
    if (args.names.length !== 2) throw new Error(`Compare takes two configurations, not ${args.names.length}.`);
    const model = await modelArgument(ctx, undefined, TITLE);
    if (!model) return;
    const data = await modelData(ctx, model, TITLE, {});
    if (!data) return;
    const set = readSetOfModel(args.configs, model);
    const names = args.names as [string, string];
    const comparison = await withCancellableProgress(`Comparing ${names.join(' and ')} of ${path.basename(model)}`, (_, signal) =>
      compare(model, set, names, data, { limit: SAMPLES, threads: readSettings().threads ?? 1, signal, setFile: args.configs }),
    );
    ctx.log.info(`compared ${names.join(' and ')} on ${comparison.samples} samples: ${comparison.accuracy.map((a) => a.toFixed(2)).join(' % and ')} %`);
    pareto.showComparison(args.configs, comparison);
  } catch (e) {
    if (!isCancellation(e)) await showError(ctx.log, 'Comparing configurations', e);
  }
}
