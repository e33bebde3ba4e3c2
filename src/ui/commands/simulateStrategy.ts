import * as vscode from 'vscode';
import { StrategySpec } from '../../core/adapt';
import { CommandContext } from '../commandContext';
import { pickConfigurationSet, pickNpyFile } from '../picks';
import { showError } from '../showError';
import { simulateProfiledSet } from '../timeline/simulateProfiledSet';
import { TimelinePanels } from '../timeline/timelinePanels';
import { pickStrategy } from './pickStrategy';

export interface SimulateArgs {
  profile?: string;
  labels?: string;
  traceBy?: string;
  strategy?: StrategySpec;
}

const TITLE = 'Mobiprox: Simulate Strategy';

/** Mobiprox: Simulate Strategy — replays a strategy over a profiled set and shows its timeline. */
export async function simulateStrategy(ctx: CommandContext, panels: TimelinePanels, args: SimulateArgs = {}): Promise<void> {
  const profile = args.profile ?? (await pickConfigurationSet(TITLE, 'Profiled set (from Profile on Device)'));
  if (!profile) return;
  const labels = args.labels ?? (await pickNpyFile(TITLE, 'Labels of the profiled samples, in trace order'));
  if (!labels) return;
  const strategy = args.strategy ?? (await pickStrategy(TITLE));
  if (!strategy) return;
  try {
    const view = simulateProfiledSet({ profile, labels, traceBy: args.traceBy, strategy, label: vscode.workspace.asRelativePath(profile) });
    for (const w of view.warnings ?? []) {
      ctx.log.warn(w);
      void vscode.window.showWarningMessage(w);
    }
    for (const t of view.traces) {
      ctx.log.info(`${view.strategy} on ${t.name}: accuracy ${t.accuracy.toFixed(2)} %, loss ${t.loss.toFixed(2)}, relative cost ${t.relativeCost.toFixed(3)}, ${t.switches} switches`);
    }
    panels.show(view);
  } catch (e) {
    await showError(ctx.log, 'Simulating the strategy', e);
  }
}
