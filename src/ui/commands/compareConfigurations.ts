import * as path from 'node:path';
import { compareConfigurations as compare } from '../../core/runtime/compareConfigurations';
import { readSetOfModel } from '../../core/usecases/setOfModel';
import { CommandContext } from '../commandContext';
import { ParetoPanels } from '../pareto/paretoPanels';
import { runInPanel } from '../pareto/panelWork';
import { readSettings } from '../settings';
import { showError } from '../showError';
import { modelArgument } from './modelArgument';
import { modelData } from './modelData';

const TITLE = 'Mobiprox: Compare Configurations';
/** Enough samples for per-class accuracies to mean something, few enough to answer in seconds. */
const SAMPLES = 2000;

/** Compare from the Pareto panel: two selected configurations measured now on the host, shown in the panel. */
export async function compareConfigurations(ctx: CommandContext, pareto: ParetoPanels, args: { configs: string; names: string[] }): Promise<void> {
  const inputs = await compareInputs(ctx, args).catch(async (e) => void (await showError(ctx.log, 'Comparing configurations', e)));
  if (!inputs) return;
  const { model, data, set } = inputs;
  const names = args.names as [string, string];
  const comparison = await runInPanel(pareto, ctx.log, {
    file: args.configs,
    title: `Comparing ${names.join(' and ')} of ${path.basename(model)}`,
    work: (_, signal) => compare(model, set, names, data, { limit: SAMPLES, threads: readSettings().threads ?? 1, signal, setFile: args.configs }),
    result: (c) => `Compared ${names.join(' and ')} on ${c.samples} samples: accuracy ${c.accuracy.map((a) => a.toFixed(2)).join(' % and ')} %.`,
  });
  if (comparison) pareto.showComparison(args.configs, comparison);
}

/** The model in view, its data and the set; undefined when the user dismissed a pick. */
async function compareInputs(ctx: CommandContext, args: { configs: string; names: string[] }) {
  if (args.names.length !== 2) throw new Error(`Compare takes two configurations, not ${args.names.length}.`);
  const model = await modelArgument(ctx, undefined, TITLE);
  if (!model) return undefined;
  const data = await modelData(ctx, model, TITLE, {});
  if (!data) return undefined;
  return { model, data, set: readSetOfModel(args.configs, model) };
}
