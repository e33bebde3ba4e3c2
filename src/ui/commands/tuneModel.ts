import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DataConfig } from '../../core/data/dataConfig';
import { defaultCacheDir } from '../../core/tuner/cache';
import { SlurmExecutor } from '../../core/tuner/executor/slurmExecutor';
import { PredictorKind, tune } from '../../core/tuner/tune';
import { CommandContext } from '../commandContext';
import { formatSpeedup } from '../format';
import { withCancellableProgress } from '../longWork';
import { modelArgument } from './modelArgument';
import { modelData } from './modelData';
import { ProgressStep, tuneProgressStep } from '../progressText';
import { tunedSetPath } from '../runs/outputPaths';
import { readSettings } from '../settings';
import { isCancellation, showError } from '../showError';

/** Arguments of mobiprox.tuneModel; what is left out comes from the settings, the model in view or a pick. */
export interface TuneModelArgs {
  model?: string;
  input?: string;
  labels?: string;
  tuneSize?: number;
  testSize?: number;
  maxEvals?: number;
  qosThreshold?: number;
  predictor?: PredictorKind;
  out?: string;
}

const TITLE = 'Mobiprox: Tune Model';

/** Mobiprox: Tune Model. Resolves to the configuration set written, undefined when nothing was. */
export async function tuneModel(ctx: CommandContext, args: TuneModelArgs = {}): Promise<string | undefined> {
  const model = await modelArgument(ctx, args.model, TITLE);
  if (!model) return undefined;
  let data: DataConfig | undefined;
  try {
    data = await modelData(ctx, model, TITLE, args);
  } catch (e) {
    await showError(ctx.log, TITLE, e);
    return undefined;
  }
  if (!data) return undefined;
  const s = readSettings();
  const out = args.out ?? tunedSetPath(model);
  const name = path.basename(model, path.extname(model));
  const run = ctx.runs.start({ kind: 'tuning', model, configs: out });
  ctx.log.info(`tuning ${model} on ${data.input} → ${out}`);
  try {
    // The extension has no --resume: tuning again is how a user continues, so the slurm executor resumes.
    const executor = s.tuning.executor === 'slurm' ? new SlurmExecutor({
      workDir: s.slurm.workdir ?? path.join(defaultCacheDir(), 'slurm'), partition: s.slurm.partition, sbatchOptions: s.slurm.options,
      resume: true, onStatus: (line) => ctx.log.info(line),
    }) : undefined;
    const result = await withCancellableProgress(`Tuning ${name}`, (report, signal) => {
      // the notification and the Runs view follow the same steps
      const progress = (step: ProgressStep) => (report(step), ctx.runs.progress(run.id, step));
      return tune(
        {
          model, input: data.input, labels: data.labels, preprocessing: data.preprocessing, out,
          tuneSize: args.tuneSize ?? s.tuning.tuneSize,
          testSize: args.testSize ?? s.tuning.testSize,
          shuffleSeed: s.tuning.shuffleSeed,
          maxEvals: args.maxEvals ?? s.tuning.maxEvals,
          qosThreshold: args.qosThreshold ?? s.tuning.qosThreshold,
          predictor: args.predictor ?? s.tuning.predictor,
          threads: s.threads,
          executor,
        },
        { onProgress: (p) => progress(tuneProgressStep(p)), signal },
      );
    });
    const configs = result.set.configurations;
    ctx.runs.finish(run.id, { status: result.cancelled ? 'cancelled' : 'done', set: result.set });
    const best = configs.reduce((b, c) => (c.speedup > b.speedup ? c : b));
    const summary =
      `${result.cancelled ? `Tuning ${name} cancelled: kept in ${path.basename(out)} the` : `Tuned ${name}:`} ${configs.length} configurations` +
      `${result.cancelled ? ' validated until then' : ''}, up to ${formatSpeedup(best.speedup)} at ${best.qosLoss.toFixed(2)} points of loss.`;
    ctx.log.info(`${summary} (${result.stats.validated} validated; wrote ${out})`);
    void vscode.window.showInformationMessage(summary, 'Show Pareto Plot').then((choice) => {
      if (choice) void vscode.commands.executeCommand('mobiprox.showParetoPlot', { configs: out });
    });
    return out;
  } catch (e) {
    ctx.runs.finish(run.id, { status: isCancellation(e) ? 'cancelled' : 'failed', error: (e as Error).message });
    // cancelled before any configuration was validated: the tuner wrote nothing (tune.ts), and says so
    if (isCancellation(e)) {
      const kept = fs.existsSync(out) ? `${path.basename(out)} unchanged` : 'no set written';
      void vscode.window.showInformationMessage(`Tuning ${name} cancelled: nothing validated yet, ${kept}.`);
    }
    else await showError(ctx.log, `Tuning ${name}`, e);
    return undefined;
  }
}
