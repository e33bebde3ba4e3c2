import * as fs from 'node:fs';
import * as path from 'node:path';
import { addComposedConfiguration } from '../../core/tuner/composedConfiguration';
import { CommandContext } from '../commandContext';
import { formatSpeedup } from '../format';
import { KnobChoice } from '../model/composition';
import { ParetoPanels } from '../pareto/paretoPanels';
import { runInPanel } from '../pareto/panelWork';
import { tuneProgressStep } from '../progressText';
import { tunedSetPath } from '../runs/outputPaths';
import { readSettings } from '../settings';
import { showError } from '../showError';
import { modelData } from './modelData';

const TITLE = 'Mobiprox: Measure Composed Configuration';

/**
 * The Model view's composed configuration measured on the host and saved into the model's tuned set
 * (`<name>.configs.json`, created when the model was never tuned), then shown selected on its Pareto plot,
 * from where Compare and Profile on Device take it like a tuned one.
 */
export async function measureComposition(ctx: CommandContext, pareto: ParetoPanels, model: string | undefined, knobs: KnobChoice): Promise<void> {
  let data;
  try {
    if (!model) throw new Error('No model is open in the Model view.');
    data = await modelData(ctx, model, TITLE, {});
  } catch (e) {
    await showError(ctx.log, 'Measuring the composed configuration', e);
    return;
  }
  if (!data || !model) return;
  const s = readSettings();
  const setFile = tunedSetPath(model);
  // the set's panel shows the progress and then the new point; a model never tuned gets its set first
  if (fs.existsSync(setFile)) pareto.show(setFile);
  const options = {
    model, knobs, data, setFile, tuneSize: s.tuning.tuneSize, testSize: s.tuning.testSize, shuffleSeed: s.tuning.shuffleSeed, threads: s.threads,
  };
  const result = await runInPanel(pareto, ctx.log, {
    file: setFile,
    title: `Measuring the composed configuration of ${path.basename(model)}`,
    work: (report, signal) => addComposedConfiguration(options, { onProgress: (p) => report(tuneProgressStep(p)), signal }),
    result: (r) => {
      const c = r.set.configurations.find((x) => x.name === r.name)!;
      return r.added
        ? `Saved the composed configuration as ${c.name} in ${path.basename(setFile)}: ${formatSpeedup(c.speedup)} at ${c.qosLoss.toFixed(2)} points of loss, measured on the host.`
        : `The composed configuration is already in ${path.basename(setFile)} as ${c.name}.`;
    },
  });
  if (result) pareto.show(setFile, result.name);
}
