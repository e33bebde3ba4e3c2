import { CommandContext } from '../commandContext';
import { ParetoPanels } from '../pareto/paretoPanels';
import { pickConfigurationSet } from '../picks';
import { showError } from '../showError';

export interface ShowParetoArgs {
  configs?: string;
  /** A configuration whose knob table to show. */
  select?: string;
}

/** Mobiprox: Show Pareto Plot — of the given set, else the newest run's, else one picked. */
export async function showParetoPlot(ctx: CommandContext, panels: ParetoPanels, args: ShowParetoArgs = {}): Promise<void> {
  const configs = args.configs ?? ctx.runs.latestResult()?.configs ?? (await pickConfigurationSet('Mobiprox: Show Pareto Plot'));
  if (!configs) return;
  try {
    panels.show(configs, args.select);
  } catch (e) {
    await showError(ctx.log, `Showing the Pareto plot of ${configs}`, e);
  }
}
