import * as path from 'node:path';
import * as vscode from 'vscode';
import { addComposedConfiguration } from '../../core/tuner/composedConfiguration';
import { CommandContext } from '../commandContext';
import { formatSpeedup } from '../format';
import { withCancellableProgress } from '../longWork';
import { KnobChoice } from '../model/composition';
import { ParetoPanels } from '../pareto/paretoPanels';
import { tuneProgressStep } from '../progressText';
import { tunedSetPath } from '../runs/outputPaths';
import { readSettings } from '../settings';
import { isCancellation, showError } from '../showError';
import { modelData } from './modelData';

const TITLE = 'Mobiprox: Measure Composed Configuration';

/**
 * The Model view's composed configuration measured on the host and saved into the model's tuned set
 * (`<name>.configs.json`, created when the model was never tuned), then shown selected on its Pareto plot,
 * from where Compare and Profile on Device take it like a tuned one.
 */
export async function measureComposition(ctx: CommandContext, pareto: ParetoPanels, model: string | undefined, knobs: KnobChoice): Promise<void> {
  try {
    if (!model) throw new Error('No model is open in the Model view.');
    const data = await modelData(ctx, model, TITLE, {});
    if (!data) return;
    const s = readSettings();
    const setFile = tunedSetPath(model);
    const result = await withCancellableProgress(`Measuring the composed configuration of ${path.basename(model)}`, (report, signal) =>
      addComposedConfiguration(
        {
          model, knobs, data, setFile,
          tuneSize: s.tuning.tuneSize, testSize: s.tuning.testSize, shuffleSeed: s.tuning.shuffleSeed, threads: s.threads,
        },
        { onProgress: (p) => report(tuneProgressStep(p)), signal },
      ),
    );
    const c = result.set.configurations.find((x) => x.name === result.name)!;
    ctx.log.info(result.added
      ? `composed configuration saved as ${c.name} in ${setFile}: ${formatSpeedup(c.speedup)} at ${c.qosLoss.toFixed(2)} points of loss (host)`
      : `the composed configuration is already in ${setFile} as ${c.name}`);
    pareto.show(setFile, c.name);
    void vscode.window.showInformationMessage(result.added
      ? `Saved the composed configuration as ${c.name}: ${formatSpeedup(c.speedup)} at ${c.qosLoss.toFixed(2)} points of loss, measured on the host.`
      : `The composed configuration is already in ${path.basename(setFile)} as ${c.name}.`);
  } catch (e) {
    if (!isCancellation(e)) await showError(ctx.log, 'Measuring the composed configuration', e);
  }
}
