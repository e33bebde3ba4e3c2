import * as path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { SingleBar } from 'cli-progress';
import { MobiproxError } from '../../core/errors';
import { defaultCacheDir } from '../../core/tuner/cache';
import { ExecutorKind } from '../../core/tuner/executor/executor';
import { SlurmExecutor, SlurmStats } from '../../core/tuner/executor/slurmExecutor';
import { PredictorKind, TuneProgress, tune } from '../../core/tuner/tune';
import { measurementNotes, timingSummary } from '../../core/stats/describe';
import { formatInterval } from '../../core/stats/intervals';
import { addDataOptions, commandData } from '../dataOptions';
import { checkWritableFolder, finiteNumber, nonNegativeInt, positiveInt, threadCount } from '../options';

const PHASES: Record<TuneProgress['phase'], string> = {
  prepare: 'preparing data', calibrate: 'timing knobs', profile: 'single-knob profiles', search: 'searching',
  validate: 'validating', test: 'test set', write: 'writing',
};

function predictor(value: string): PredictorKind {
  if (value === 'p1' || value === 'p2' || value === 'empirical') return value;
  throw new InvalidArgumentError(`'${value}' is not a predictor: p1, p2 or empirical.`);
}

function executorKind(value: string): ExecutorKind {
  if (value === 'local' || value === 'slurm') return value;
  throw new InvalidArgumentError(`'${value}' is not an executor: local or slurm.`);
}

const collect = (value: string, all: string[]): string[] => [...all, value];

/** The options that only the slurm executor takes, by their commander names. */
const SLURM_ONLY: Record<string, string> = {
  partition: '--partition', time: '--time', cpusPerTask: '--cpus-per-task', workdir: '--workdir', shards: '--shards', resume: '--resume',
};

/** The slurm executor of the options, or undefined for the local one; slurm options without it are an error. */
function executorFrom(o: Record<string, unknown>): SlurmExecutor | undefined {
  if (o.executor !== 'slurm') {
    const stray = [...Object.keys(SLURM_ONLY).filter((k) => o[k] !== undefined).map((k) => SLURM_ONLY[k]),
      ...((o.slurmOpt as string[]).length > 0 ? ['--slurm-opt'] : [])];
    if (stray.length > 0) throw new MobiproxError(`${stray.join(', ')}: only with --executor slurm.`, { value: stray });
    return undefined;
  }
  return new SlurmExecutor({
    workDir: (o.workdir as string | undefined) ?? path.join((o.cacheDir as string | undefined) ?? defaultCacheDir(), 'slurm'),
    partition: o.partition as string | undefined, timeLimit: o.time as string | undefined, cpusPerTask: o.cpusPerTask as number | undefined,
    sbatchOptions: o.slurmOpt as string[], shards: o.shards as number | undefined, resume: o.resume === true,
    onStatus: (line) => process.stderr.write(`${line}\n`),
  });
}

function qosThreshold(value: string): number {
  const v = finiteNumber(value);
  if (v < 0 || v > 100) throw new InvalidArgumentError(`${value} is not a QoS loss in accuracy points (0 to 100).`);
  return v;
}

export function register(program: Command): void {
  addDataOptions(
    program
      .command('tune <model>')
      .description('find per-layer approximations on the speed/accuracy Pareto frontier, validated on held-out data (the input: tuning set first, then test set)'),
    'required',
  )
    .option('--tune-size <n>', 'tuning samples: the first n rows (default: all)', positiveInt)
    .option('--test-size <m>', 'held-out test samples: the m rows after them (default: the rest)', positiveInt)
    .option('--shuffle <seed>', 'take the tuning and test rows in a seeded random order (for files ordered by class or subject)', nonNegativeInt)
    .option('--qos-threshold <points>', 'largest accuracy loss kept, in points', qosThreshold, 3)
    .option('--predictor <p1|p2|empirical>', 'QoS predictor of the search', predictor, 'p1')
    .option('--max-evals <k>', 'configurations validated (p1/p2, default 32) or run by the search (empirical, default 400)', positiveInt)
    .option('--threads <n>', 'runtime threads per process; processes share out the cores (default 1)', threadCount)
    .option('--batch <b>', 'samples per inference', positiveInt, 32)
    .option('--cache-dir <dir>', 'where single-knob profiles and timings are kept (default ~/.cache/mobiprox)')
    .option('--no-data-check', 'tune even when the exact model is about at chance on the first tuning samples')
    .option('--executor <local|slurm>', 'where profiles, calibration, validation and test runs run: this machine, or Slurm array jobs', executorKind, 'local')
    .option('--partition <p>', 'slurm: the partition of the array jobs')
    .option('--time <limit>', 'slurm: time limit of each array task (sbatch --time)')
    .option('--cpus-per-task <n>', 'slurm: CPUs of each array task (default 1)', positiveInt)
    .option('--slurm-opt <option>', 'slurm: a further sbatch option, e.g. --slurm-opt=--account=proj (repeatable)', collect, [])
    .option('--workdir <dir>', 'slurm: the work folder, at the same path on the nodes (default <cache dir>/slurm)')
    .option('--shards <n>', 'slurm: most array tasks per phase (default 16)', positiveInt)
    .option('--resume', 'slurm: follow the tasks an interrupted tuning left queued, and run its failed ones again')
    .requiredOption('--out <configs.json>', 'the configurations, Mobiprox JSON')
    .option('--hpvm-out <confs.txt>', 'the configurations, ApproxTuner/HPVM text')
    .action(async (modelPath: string, o) => {
      checkWritableFolder(o.out, '--out');
      const executor = executorFrom(o);
      if (o.hpvmOut) checkWritableFolder(o.hpvmOut, '--hpvm-out');
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      const data = commandData(modelPath, o, 'required');
      const progress = progressReporter();
      try {
        const r = await tune({
          model: modelPath, input: data.input, labels: data.labels!, preprocessing: data.preprocessing, dataCheck: o.dataCheck, tuneSize: o.tuneSize,
          testSize: o.testSize, shuffleSeed: o.shuffle, qosThreshold: o.qosThreshold, predictor: o.predictor, maxEvals: o.maxEvals,
          threads: o.threads, batch: o.batch, cacheDir: o.cacheDir, executor, out: o.out, hpvmOut: o.hpvmOut,
          onWarning: (m) => process.stderr.write(`mobiprox: warning: ${m}\n`),
        }, { onProgress: progress.update, signal: controller.signal });
        progress.stop();
        const rows = r.set.configurations.map((c, i) => {
          const h = c.host;
          const interval = (estimate: number, range?: [number, number]) => (range ? formatInterval({ estimate, low: range[0], high: range[1] }) : estimate.toFixed(2));
          return [
            c.name, h?.timing ? formatInterval(h.timing.speedup, 3) : c.speedup.toFixed(3), c.accuracy.toFixed(2),
            interval(c.qosLoss, h?.qosLossInterval),
            h?.testAccuracy !== undefined ? h.testAccuracy.toFixed(2) : '-',
            // the paired interval is symmetric about its estimate
            h?.testQosLossInterval ? interval((h.testQosLossInterval[0] + h.testQosLossInterval[1]) / 2, h.testQosLossInterval) : '-',
            c.predicted ? c.predicted.speedup.toFixed(3) : '-', c.predicted ? c.predicted.qosLoss.toFixed(2) : '-',
            i > 0 && h ? measurementNotes(h).join(', ') : '',
          ];
        });
        const header = ['config', 'speedup [95 %]', 'tune acc', 'loss [95 %]', 'test acc', 'test loss [95 %]', 'pred speedup', 'pred loss', 'note'];
        const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
        const line = (row: string[]) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
        const s = r.stats;
        process.stdout.write([
          r.cancelled ? `cancelled: ${r.set.configurations.length - 1} configuration(s) validated so far` : '',
          line(header), ...rows.map(line), timingSummary(r.set.configurations[0].host?.timing), '',
          `${s.layers} layers; cost model: ${s.costModel}${s.costModelCached ? ' (cached)' : ''}; layer-knob pairs: ${s.offered} searched, ` +
            `${s.withheld} withheld (under 2 % faster than exact on their layer); single-knob profiles: ` +
            `${s.profiled} run, ${s.cached} cached; ${s.validated} validated${s.evaluations ? `; ${s.evaluations} searched` : ''}` +
            (s.backedOff ? `, ${s.backedOff} of them backed off from candidates whose losses the predictor underestimated` : ''),
          ...(executor ? [slurmSummary(executor.stats)] : []),
          `wrote ${o.out}${o.hpvmOut ? ` and ${o.hpvmOut}` : ''}`,
        ].filter((l, i) => i > 0 || l).join('\n') + '\n');
        if (r.cancelled) process.exitCode = 130;
      } finally {
        progress.stop();
        process.removeListener('SIGINT', stop);
      }
    });
}

function slurmSummary(s: SlurmStats): string {
  const jobs = s.jobs.length > 0 ? `${s.jobs.length} array job(s) (${s.jobs.join(', ')}), ${s.tasks} task(s)` : 'no array job';
  return `slurm: ${jobs}; shards: ${s.shardsRun} run, ${s.shardsReused} found finished`;
}

/** A progress bar on a terminal; one line per phase and per tenth of it otherwise (logs, CI). */
function progressReporter(): { update(p: TuneProgress): void; stop(): void } {
  if (process.stderr.isTTY) {
    const bar = new SingleBar({ format: '{phase} [{bar}] {value}/{total}', stream: process.stderr, hideCursor: true, clearOnComplete: true });
    let started = false;
    return {
      update(p) {
        if (!started) bar.start(p.total, p.done, { phase: PHASES[p.phase] }), (started = true);
        bar.setTotal(p.total);
        bar.update(p.done, { phase: PHASES[p.phase].padEnd(20) });
      },
      stop() {
        if (started) bar.stop(), (started = false);
      },
    };
  }
  return { update: phaseLines((line) => process.stderr.write(line)), stop() {} };
}

/**
 * Progress as lines, for logs: one when a phase starts and one per tenth of it. The lines of a phase only
 * go forward: a report at or below the count last printed for its phase (concurrent runs reporting out of
 * order, a phase coming back) prints nothing.
 */
export function phaseLines(write: (line: string) => void): (p: TuneProgress) => void {
  let phase = '';
  const printed = new Map<TuneProgress['phase'], number>();
  const tenth = (done: number, total: number) => (total > 0 ? Math.floor((10 * done) / total) : 0);
  return (p) => {
    const last = printed.get(p.phase);
    if (last !== undefined && (p.done <= last || (p.phase === phase && tenth(p.done, p.total) === tenth(last, p.total)))) return;
    phase = p.phase;
    printed.set(p.phase, p.done);
    write(`${PHASES[p.phase]}: ${p.done}/${p.total}\n`);
  };
}
