/**
 * npm run bench:tune — the tuner on har-cnn and resnet20 from ../shared (tuning set 1000, held-out test set
 * 1000, QoS threshold 3 points): wall time of a first tuning (empty cache) and of a rerun (cached), the
 * predictive search against the empirical one given the same wall time (hypervolume of the validated
 * frontiers), and the measured speedup reached within 1, 2 and 3 points of loss. Writes
 * bench/results/tune.{json,md}. BENCH_MODELS=har-cnn,resnet20 and BENCH_PREDICTORS=p1,p2 select the runs.
 * Where Slurm's sbatch is on PATH (a cluster, or toolchain/slurm-cluster.sh's one node), each predictive
 * tuning also runs with the slurm executor (an empty cache but the local run's cost model, so that both
 * choose from the same predictions): its wall time, array jobs, tasks and shards, and whether its frontier
 * is the local one. BENCH_SLURM=0 leaves it out; BENCH_SLURM_SHARDS sets the shards per phase (default 16).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFileAtomic } from '../src/core/fsutil';
import { Preprocessing } from '../src/core/data/preprocess';
import { findOnPath } from '../src/core/device/adbLocation';
import { SlurmExecutor, SlurmStats } from '../src/core/tuner/executor/slurmExecutor';
import { hypervolume, paretoFront } from '../src/core/tuner/pareto';
import { PredictorKind, TuneResult, tune } from '../src/core/tuner/tune';

const shared = path.resolve(__dirname, '../../../shared');
const THRESHOLD = 3;

interface Case { name: string; model: string; input: string; labels: string; preprocessing: Preprocessing }

const CASES: Case[] = [
  {
    name: 'har-cnn', model: 'models/har-cnn.onnx', input: 'datasets/uci-har/test_x.npy', labels: 'datasets/uci-har/test_y.npy',
    preprocessing: { standardize: true },
  },
  {
    name: 'resnet20', model: 'models/resnet20_cifar10.onnx', input: 'datasets/cifar10/test_x.npy', labels: 'datasets/cifar10/test_y.npy',
    preprocessing: { nhwc: true, scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
  },
];

interface RunFigures {
  predictor: PredictorKind;
  run: 'first' | 'cached';
  executor: 'local' | 'slurm';
  /** The slurm executor's array jobs, tasks and shards, and whether it chose the local run's frontier. */
  slurm?: SlurmStats & { sameFrontier: boolean };
  wallSeconds: number;
  phaseSeconds: Record<string, number>;
  profiled: number;
  cached: number;
  validated: number;
  measured: number;
  evaluations: number;
  /** Area above speedup 1 under the validated (tuning-set) frontier, loss 0..threshold. */
  hypervolume: number;
  /** Best measured speedup among the written configurations within 1, 2, 3 points of tuning loss. */
  speedupAt: Record<string, number>;
  configurations: { name: string; speedup: number; loss: number; testAccuracy?: number; predictedSpeedup?: number; predictedLoss?: number }[];
}

function figures(predictor: PredictorKind, run: 'first' | 'cached', seconds: number, r: TuneResult, slurm?: RunFigures['slurm']): RunFigures {
  const validatedFront = paretoFront(r.validated.map((v) => ({ speedup: v.tune.speedup, loss: v.tune.baseline.accuracy - v.tune.accuracy })));
  const speedupAt: Record<string, number> = {};
  for (const points of [1, 2, 3]) {
    speedupAt[points] = Math.max(...r.set.configurations.filter((c) => c.qosLoss <= points).map((c) => c.speedup));
  }
  return {
    predictor, run, executor: slurm ? 'slurm' : 'local', ...(slurm ? { slurm } : {}), wallSeconds: seconds,
    phaseSeconds: Object.fromEntries(Object.entries(r.stats.phaseMs).map(([k, v]) => [k, v! / 1000])),
    profiled: r.stats.profiled, cached: r.stats.cached, validated: r.stats.validated, measured: r.stats.measured,
    evaluations: r.stats.evaluations, hypervolume: hypervolume(validatedFront, THRESHOLD), speedupAt,
    configurations: r.set.configurations.map((c) => ({
      name: c.name, speedup: c.speedup, loss: c.qosLoss, testAccuracy: c.host?.testAccuracy,
      predictedSpeedup: c.predicted?.speedup, predictedLoss: c.predicted?.qosLoss,
    })),
  };
}

async function timed(o: Parameters<typeof tune>[0]): Promise<{ seconds: number; r: TuneResult }> {
  const start = Date.now();
  let last = '';
  const r = await tune(o, {
    onProgress: (p) => {
      const line = `${p.phase}`;
      if (line !== last) process.stderr.write(`    ${p.phase}\n`), (last = line);
    },
  });
  return { seconds: (Date.now() - start) / 1000, r };
}

async function main(): Promise<void> {
  if (!fs.existsSync(shared)) {
    console.error(`bench:tune needs ${shared} (the shared models and data sets).`);
    process.exitCode = 1;
    return;
  }
  const models = (process.env.BENCH_MODELS ?? 'har-cnn,resnet20').split(',');
  const predictors = (process.env.BENCH_PREDICTORS ?? 'p1').split(',') as PredictorKind[];
  const results: Record<string, RunFigures[]> = {};
  const withSlurm = process.env.BENCH_SLURM !== '0' && !!findOnPath('sbatch');
  for (const c of CASES.filter((x) => models.includes(x.name))) {
    results[c.name] = [];
    const base = {
      model: path.join(shared, c.model), input: path.join(shared, c.input), labels: path.join(shared, c.labels),
      preprocessing: c.preprocessing, tuneSize: 1000, testSize: 1000, qosThreshold: THRESHOLD,
    };
    let budgetMs = 0;
    for (const predictor of predictors) {
      const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), `mobiprox-bench-${c.name}-`));
      try {
        console.error(`${c.name} ${predictor}: first tuning`);
        const first = await timed({ ...base, predictor, cacheDir });
        results[c.name].push(figures(predictor, 'first', first.seconds, first.r));
        console.error(`${c.name} ${predictor}: rerun, cached`);
        const again = await timed({ ...base, predictor, cacheDir });
        results[c.name].push(figures(predictor, 'cached', again.seconds, again.r));
        if (withSlurm) results[c.name].push(await slurmRun({ ...base, predictor }, cacheDir, first.r));
        const ms = first.r.stats.phaseMs;
        // The empirical search gets the predictive tuning's profiling and search time; both then validate.
        budgetMs = Math.max(budgetMs, (ms.calibrate ?? 0) + (ms.profile ?? 0) + (ms.search ?? 0));
      } finally {
        fs.rmSync(cacheDir, { recursive: true, force: true });
      }
    }
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), `mobiprox-bench-${c.name}-`));
    try {
      console.error(`${c.name} empirical: ${(budgetMs / 1000).toFixed(0)} s of search`);
      const empirical = await timed({ ...base, predictor: 'empirical', maxEvals: 100000, searchTimeMs: budgetMs, cacheDir });
      results[c.name].push(figures('empirical', 'first', empirical.seconds, empirical.r));
    } finally {
      fs.rmSync(cacheDir, { recursive: true, force: true });
    }
  }
  const out = path.resolve(__dirname, '../../bench/results');
  const report = { date: new Date().toISOString(), host: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, loadAverage: os.loadavg() }, threshold: THRESHOLD, results };
  writeFileAtomic(path.join(out, 'tune.json'), JSON.stringify(report, null, 1) + '\n');
  writeFileAtomic(path.join(out, 'tune.md'), markdown(report));
  process.stdout.write(markdown(report));
}

/** The same tuning with the slurm executor, from an empty cache holding only the local run's cost model. */
async function slurmRun(o: Parameters<typeof tune>[0], localCache: string, local: TuneResult): Promise<RunFigures> {
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-bench-slurm-'));
  try {
    for (const f of fs.readdirSync(localCache).filter((f) => f.startsWith('cost'))) fs.copyFileSync(path.join(localCache, f), path.join(cacheDir, f));
    const executor = new SlurmExecutor({ workDir: path.join(cacheDir, 'slurm'), shards: Number(process.env.BENCH_SLURM_SHARDS ?? 16) });
    console.error(`    slurm executor`);
    const run = await timed({ ...o, cacheDir, executor });
    const knobs = (r: TuneResult) => JSON.stringify(r.set.configurations.map((c) => c.layers));
    return figures(o.predictor!, 'first', run.seconds, run.r, { ...executor.stats, sameFrontier: knobs(run.r) === knobs(local) });
  } finally {
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
}

function markdown(report: { date: string; host: { cpu?: string; cores: number; loadAverage: number[] }; results: Record<string, RunFigures[]> }): string {
  const lines = [
    '# Tuner benchmark (`npm run bench:tune`)', '',
    `${report.date}, ${report.host.cpu}, ${report.host.cores} cores (load average at the end ${report.host.loadAverage.map((v) => v.toFixed(1)).join(' ')}).`,
    'Tuning set 1000, test set 1000, QoS threshold 3 points; speedups measured by the host runtime (1 thread per process, 2 processes).',
    'Hypervolume: area above speedup 1 under the validated frontier, loss 0–3 points. The empirical search got the predictive tuning\'s calibration, profiling and search time.', '',
    'Executor slurm: the same tuning as array jobs (`tune --executor slurm`, 1 CPU per task) from an empty cache with the local run\'s cost model; ' +
      'jobs, tasks and shards run, and whether it chose the local frontier.', '',
    '| model | predictor | run | executor | wall s | profiles run / cached | validated (run) | searched | hypervolume | speedup ≤1 | ≤2 | ≤3 points | frontier | slurm jobs / tasks / shards |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const [model, runs] of Object.entries(report.results)) {
    for (const r of runs) {
      const slurm = r.slurm ? `${r.slurm.jobs.length} / ${r.slurm.tasks} / ${r.slurm.shardsRun}${r.slurm.sameFrontier ? ', same frontier' : ', other frontier'}` : '';
      lines.push(`| ${model} | ${r.predictor} | ${r.run} | ${r.executor} | ${r.wallSeconds.toFixed(1)} | ${r.profiled} / ${r.cached} | ${r.validated} (${r.measured}) | ` +
        `${r.evaluations} | ${r.hypervolume.toFixed(3)} | ${r.speedupAt[1].toFixed(2)} | ${r.speedupAt[2].toFixed(2)} | ${r.speedupAt[3].toFixed(2)} | ` +
        `${r.configurations.length - 1} | ${slurm} |`);
    }
  }
  lines.push('', 'Time per phase (s):', '');
  for (const [model, runs] of Object.entries(report.results)) {
    for (const r of runs) lines.push(`- ${model} ${r.predictor} ${r.run}${r.slurm ? ' slurm' : ''}: ${Object.entries(r.phaseSeconds).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`);
  }
  return lines.join('\n') + '\n';
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
