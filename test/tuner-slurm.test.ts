/**
 * The slurm executor on a real Slurm: a one-node cluster on this machine (toolchain/slurm-cluster.sh: munged,
 * slurmctld and slurmd from Debian), no mock of sbatch. A tuning of the bundled HAR model through `mobiprox
 * tune --executor slurm` chooses the frontier a local tuning with the same seed chooses; an array task
 * cancelled with scancel mid-run is reported by its index, and `--resume` runs that task's shard again and
 * no other; cancelling the tuning cancels its jobs. With ../shared, har-cnn's frontier is compared too.
 */
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readConfigurationSet } from '../src/core/knobs/configurationSet';
import { measureBatches, pairsByLayerRange } from '../src/core/tuner/executor/shardPlan';
import { SlurmExecutor } from '../src/core/tuner/executor/slurmExecutor';
import { taskStates } from '../src/core/tuner/executor/slurmCommands';
import { TuneOptions, tune } from '../src/core/tuner/tune';
import { CLI, CliResult, cli } from './support/cli';
import { REPO_ROOT, SHARED, requireRuntime, requireShared } from './support/engine';
import { requireTools, unavailable } from './support/requirements';

const MODEL = path.join(REPO_ROOT, 'media/models/har-mobiprox.onnx');
const INPUT = path.join(REPO_ROOT, 'media/data/har-test-x.npy');
const LABELS = path.join(REPO_ROOT, 'media/data/har-test-y.npy');
const SEED = 7;

/** The knobs of each configuration, the frontier's identity. */
const knobsOf = (file: string) => readConfigurationSet(file).configurations.map((c) => c.layers.map((l) => l.map((s) => s.knob).join(',')).join(' '));

describe('tuning on a real Slurm cluster (slurm executor)', function () {
  this.timeout(600_000);
  let dir: string;
  let localFrontier: string[];
  /** The local tuning's cache: its cost model is copied into the others, so every run predicts the same speedups. */
  let localCache: string;

  const tuneArgs = (name: string, cache: string) => [
    'tune', MODEL, '--input', INPUT, '--labels', LABELS, '--tune-size', '300', '--test-size', '300', '--shuffle', String(SEED),
    '--batch', '16', '--cache-dir', cache, '--out', path.join(dir, `${name}.json`),
  ];
  /** A fresh cache holding only the local tuning's cost model (the host's calibration, not the cluster's work). */
  const freshCache = (name: string) => {
    const cache = path.join(dir, `cache-${name}`);
    fs.mkdirSync(cache, { recursive: true });
    for (const f of fs.readdirSync(localCache).filter((f) => f.startsWith('cost'))) fs.copyFileSync(path.join(localCache, f), path.join(cache, f));
    return cache;
  };
  const shardResults = (work: string, phase: string) => {
    const shards = path.join(work, 'shards');
    return new Map(fs.readdirSync(shards).filter((d) => d.startsWith(`${phase}-`)).flatMap((d) => {
      const result = path.join(shards, d, 'result.json');
      return fs.existsSync(result) ? [[d, fs.statSync(result).mtimeMs] as const] : [];
    }));
  };

  before(async function () {
    requireRuntime(this);
    requireTools(this, 'sbatch', 'squeue', 'scancel', 'sinfo', 'slurmctld', 'slurmd', 'munged');
    const started = spawnSync('bash', [path.join(REPO_ROOT, 'toolchain/slurm-cluster.sh'), 'start'], { encoding: 'utf8' });
    if (started.status !== 0) unavailable(this, `the one-node Slurm cluster did not start: ${(started.stderr || started.stdout).trim()}`);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-slurm-test-'));
    localCache = path.join(dir, 'cache-local');
    const options: TuneOptions = {
      model: MODEL, input: INPUT, labels: LABELS, tuneSize: 300, testSize: 300, shuffleSeed: SEED, batch: 16, cacheDir: localCache,
      out: path.join(dir, 'local.json'),
    };
    const local = await tune(options);
    assert.equal(local.stats.executor, 'local');
    localFrontier = knobsOf(path.join(dir, 'local.json'));
    assert.ok(localFrontier.length >= 2, 'the local tuning finds at least one approximate configuration');
  });
  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  it('chooses the frontier of a local tuning with the same seed', async () => {
    const work = path.join(dir, 'work-same');
    const r = await cli([...tuneArgs('slurm', freshCache('same')), '--executor', 'slurm', '--workdir', work, '--shards', '4']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(knobsOf(path.join(dir, 'slurm.json')), localFrontier);
    assert.match(r.stderr, /slurm profile: job \d+: \d+ pending, \d+ running, \d+\/\d+ shards done/, 'squeue progress in the progress lines');
    assert.match(r.stdout, /single-knob profiles: \d+ run, 0 cached/);
    const summary = /slurm: (\d+) array job\(s\) \(([\d, ]+)\), (\d+) task\(s\); shards: (\d+) run, 0 found finished/.exec(r.stdout);
    assert.ok(summary, r.stdout);
    assert.equal(summary[3], summary[4], 'every task ran a shard');
    // one array job per phase: int8 calibration, profiles, validation rounds, test set
    const phases = new Set(fs.readdirSync(path.join(work, 'jobs')).map((d) => d.split('-')[0]));
    assert.deepEqual([...phases].sort(), ['calibrate', 'measure', 'profile']);
    assert.equal(Number(summary[1]), fs.readdirSync(path.join(work, 'jobs')).length);
    assert.ok(shardResults(work, 'profile').size >= 2, 'the profiles ran as several shards');
  });

  it('reports a cancelled array task by index; --resume runs only its shard again', async () => {
    const work = path.join(dir, 'work-cancel');
    const cache = freshCache('cancel');
    const args = [...tuneArgs('resumed', cache), '--executor', 'slurm', '--workdir', work, '--shards', '4'];
    // The tasks start 5 s after submission, so that the one cancelled has surely not finished.
    const first = await cliWatching([...args, '--slurm-opt=--begin=now+5'], (line, kill) => {
      const m = /^slurm profile: job (\d+): (\d+) pending/.exec(line);
      if (m && Number(m[2]) >= 3) kill(`${m[1]}_${Number(m[2]) - 1}`);
    });
    assert.ok(first.cancelled, `no profile job with 3 pending tasks was seen:\n${first.stderr}`);
    assert.equal(first.code, 2, first.stderr);
    // squeue forgets a pending task cancelled at once, and this cluster keeps no accounting: the state is unknown
    assert.match(first.stderr, new RegExp(`1 of \\d+ array tasks ended without a result: ${first.cancelled} (CANCELLED|\\(state unknown)`), first.stderr);
    assert.match(first.stderr, /--resume/);
    const before = shardResults(work, 'profile');
    const profileShards = fs.readdirSync(path.join(work, 'shards')).filter((d) => d.startsWith('profile-')).length;
    assert.equal(before.size, profileShards - 1, 'every profile shard but the cancelled one finished');

    const refused = await cli(args);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, new RegExp(`${first.cancelled}.*--resume`), 'without --resume, the leftover task is named');

    const resumed = await cli([...args, '--resume']);
    assert.equal(resumed.code, 0, resumed.stderr);
    const after = shardResults(work, 'profile');
    assert.equal(after.size, profileShards);
    for (const [shard, mtime] of before) assert.equal(after.get(shard), mtime, `${shard} was not run again`);
    const profileJobs = fs.readdirSync(path.join(work, 'jobs')).filter((d) => d.startsWith('profile-'));
    const tasks = profileJobs.map((d) => JSON.parse(fs.readFileSync(path.join(work, 'jobs', d, 'tasks.json'), 'utf8')) as string[]);
    assert.deepEqual(tasks.map((t) => t.length).sort(), [1, profileShards], 'the resumed tuning submitted one profile task');
    assert.match(resumed.stdout, new RegExp(`shards: \\d+ run, ${profileShards - 1} found finished`), 'the finished profile shards were found finished');
    assert.deepEqual(knobsOf(path.join(dir, 'resumed.json')), localFrontier);
  });

  it('cancels its array jobs when the tuning is cancelled', async () => {
    const controller = new AbortController();
    let job: string | undefined;
    const executor = new SlurmExecutor({
      workDir: path.join(dir, 'work-abort'), shards: 4, pollMs: 300, sbatchOptions: ['--begin=now+30'],
      onStatus: (line) => {
        job ??= /^slurm \w+: job (\d+)/.exec(line)?.[1];
        if (job) controller.abort();
      },
    });
    await assert.rejects(
      tune({ model: MODEL, input: INPUT, labels: LABELS, tuneSize: 300, testSize: 300, batch: 16, cacheDir: freshCache('abort'), executor },
        { signal: controller.signal }),
      (e: Error) => e.name === 'AbortError',
    );
    assert.ok(job, 'a job was submitted');
    const states = await taskStates([job]);
    assert.ok(states.size > 0 && [...states.values()].every((s) => s === 'CANCELLED'), `job ${job}: ${[...states.values()].join(', ')}`);
  });

  it('chooses the local frontier for har-cnn from ../shared too', async function () {
    requireShared(this, 'models/har-cnn.onnx', 'datasets/uci-har/test_x.npy', 'datasets/uci-har/test_y.npy');
    const args = (name: string, cache: string) => [
      'tune', path.join(SHARED, 'models/har-cnn.onnx'), '--input', path.join(SHARED, 'datasets/uci-har/test_x.npy'),
      '--labels', path.join(SHARED, 'datasets/uci-har/test_y.npy'), '--standardize', '--tune-size', '1000', '--test-size', '1000',
      '--shuffle', String(SEED), '--cache-dir', cache, '--out', path.join(dir, `${name}.json`),
    ];
    const cnnCache = path.join(dir, 'cache-cnn-local');
    const local = await cli(args('cnn-local', cnnCache));
    assert.equal(local.code, 0, local.stderr);
    const cache = path.join(dir, 'cache-cnn-slurm');
    fs.mkdirSync(cache);
    for (const f of fs.readdirSync(cnnCache).filter((f) => f.startsWith('cost'))) fs.copyFileSync(path.join(cnnCache, f), path.join(cache, f));
    const slurm = await cli([...args('cnn-slurm', cache), '--executor', 'slurm', '--workdir', path.join(dir, 'work-cnn')]);
    assert.equal(slurm.code, 0, slurm.stderr);
    assert.deepEqual(knobsOf(path.join(dir, 'cnn-slurm.json')), knobsOf(path.join(dir, 'cnn-local.json')));
  });

  it('refuses slurm options without --executor slurm, and bad ones, naming them', async () => {
    const stray = await cli([...tuneArgs('stray', path.join(dir, 'cache-stray')), '--partition', 'gpu']);
    assert.equal(stray.code, 2);
    assert.match(stray.stderr, /--partition: only with --executor slurm/);
    const bad = await cli([...tuneArgs('bad', path.join(dir, 'cache-bad')), '--executor', 'slurm', '--workdir', path.join(dir, 'w'), '--slurm-opt', 'account=x']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /'account=x' is not an sbatch option/);
  });
});

/** The CLI as a child process, handing each stderr line to `watch`, which may scancel one task (once). */
function cliWatching(args: string[], watch: (line: string, kill: (task: string) => void) => void): Promise<CliResult & { cancelled?: string }> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let partial = '';
    let cancelled: string | undefined;
    const kill = (task: string) => {
      if (cancelled) return;
      cancelled = task;
      const r = spawnSync('scancel', [task], { encoding: 'utf8' });
      if (r.status !== 0) reject(new Error(`scancel ${task}: ${r.stderr}`));
    };
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      const lines = (partial + d).split('\n');
      partial = lines.pop()!;
      for (const line of lines) watch(line, kill);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, seconds: (Date.now() - start) / 1000, cancelled }));
  });
}

describe('slurm shard plan', () => {
  it('cuts the profiles into contiguous layer ranges of about equal size, and measurements into batches of 4 or more', () => {
    const pairs = Array.from({ length: 5 * 7 }, (_, i) => ({ layer: Math.floor(i / 7), knob: 100 + (i % 7) })).reverse();
    const shards = pairsByLayerRange(pairs, 4);
    assert.deepEqual(shards.map((s) => s.length), [8, 9, 9, 9]);
    assert.deepEqual(shards.flat(), [...pairs].reverse(), 'in layer order, each pair once');
    assert.equal(pairsByLayerRange(pairs, 100).length, 35);
    assert.deepEqual(measureBatches(16, 16), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11], [12, 13, 14, 15]]);
    assert.deepEqual(measureBatches(3, 16), [[0, 1, 2]]);
    assert.deepEqual(measureBatches(9, 2), [[0, 1, 2, 3], [4, 5, 6, 7, 8]]);
  });
});
