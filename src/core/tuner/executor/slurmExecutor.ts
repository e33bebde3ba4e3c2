/**
 * The slurm executor: each phase's work units become shards in a work folder the cluster's nodes see at
 * the same path, one `sbatch --array` job per phase runs them (task i runs `mobiprox shard tasks.json i`),
 * and the tuner merges their results once all of a phase's are in: profiles into its cache, measurements as
 * runs (which the tuner remembers in its cache).
 *
 * Resumable and honest: a shard is named by the sha256 of its spec and a finished one is never run again,
 * by this tuning or a later one; a task that ends without a result (failed, cancelled, timed out) is
 * reported by its `<job>_<index>` once the job is over, and the tuning fails. Run again with `resume`,
 * it submits only those shards again, and follows tasks an interrupted tuning left in the queue instead
 * of submitting them twice; without it, such leftovers are an error that says so. Cancelling the tuning
 * (its AbortSignal) cancels the jobs it follows with scancel.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createHash } from 'node:crypto';
import { MobiproxError } from '../../errors';
import { writeFileAtomic } from '../../fsutil';
import { CalibrationRecord } from '../../runtime/mpxrun';
import { CalibrationJob } from '../int8Calibration';
import { Pair, ProfileRequest } from '../profiles';
import { abortError } from '../runner';
import { MeasureJob, MeasuredRun } from '../validation';
import { TuneExecutor } from './executor';
import { measureBatches, pairsByLayerRange } from './shardPlan';
import { CACHE_FOLDER, SPEC_FILE, ShardResult, ShardRunner, ShardSpec, readShardResult } from './shardWork';
import { accountedStates, isLive, sbatch, scancel, taskStates } from './slurmCommands';

export interface SlurmOptions {
  /** The shared work folder: inputs, shards, job scripts and logs, at the same path on every node. */
  workDir: string;
  partition?: string;
  /** sbatch --time, e.g. 30 or 2:00:00. */
  timeLimit?: string;
  /** CPUs per array task (default 1): a shard runs that many processes of the tuning's threads. */
  cpusPerTask?: number;
  /** Further sbatch options, each as sbatch takes it, e.g. --account=proj or --mem=4G. */
  sbatchOptions?: string[];
  /** Most array tasks per phase (default 16). */
  shards?: number;
  resume?: boolean;
  /** What a task runs before `shard <tasks.json> <index>` (default: this Node and this CLI, else `mobiprox`). */
  command?: string[];
  /** How often squeue is asked, ms (default 2000). */
  pollMs?: number;
  /** One line per change of the jobs' state, e.g. "slurm profile: job 12: 2 pending, 2 running, 3/7 shards done". */
  onStatus?: (line: string) => void;
}

export interface SlurmStats {
  /** Array jobs submitted, and tasks in them. */
  jobs: string[];
  tasks: number;
  /** Shards finished by tasks followed now, and shards found finished already. */
  shardsRun: number;
  shardsReused: number;
}

export type SlurmPhase = 'profile' | 'measure' | 'calibrate';

interface Shard { dir: string; size: number }
interface Submission { job: string; task: number; log: string }

const SUBMITTED_FILE = 'submitted.json';
/** How long a task Slurm calls COMPLETED may take to show its result.json before it counts as failed. */
const RESULT_GRACE_MS = 30_000;
/** squeue failures in a row after which the tuning gives up following its jobs. */
const SQUEUE_ATTEMPTS = 10;

export class SlurmExecutor implements TuneExecutor {
  readonly kind = 'slurm';
  readonly stats: SlurmStats = { jobs: [], tasks: 0, shardsRun: 0, shardsReused: 0 };
  private readonly work: string;
  private readonly command: string[];

  constructor(private readonly o: SlurmOptions) {
    this.work = path.resolve(o.workDir);
    for (const [name, v] of [['CPUs per task', o.cpusPerTask], ['shards', o.shards], ['poll interval', o.pollMs]] as const) {
      if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw new MobiproxError(`Slurm ${name} ${v}: not a positive whole number.`, { value: v });
    }
    for (const opt of o.sbatchOptions ?? []) {
      if (!opt.startsWith('-')) throw new MobiproxError(`Slurm option '${opt}' is not an sbatch option (they start with -, e.g. --account=proj).`, { value: opt });
    }
    try {
      fs.mkdirSync(this.work, { recursive: true });
      fs.accessSync(this.work, fs.constants.W_OK);
    } catch {
      throw new MobiproxError(`Slurm work folder ${this.work} cannot be created or written.`, { file: this.work });
    }
    this.command = o.command ?? defaultCommand();
  }

  async profiles(r: ProfileRequest, pairs: readonly Pair[], onDone: (count: number) => void): Promise<void> {
    const runner = this.shardRunner(r.runner);
    const base = {
      mpxm: this.stage(r.mpxm), set: this.stageSet(r.set), layers: [...r.layers], modelSha256: r.modelSha256, dataSha256: r.dataSha256,
      withOutputs: r.withOutputs, runner,
    };
    // With every pair cached but the exact profile, one shard runs the exact configuration alone.
    const groups = pairs.length > 0 ? pairsByLayerRange(pairs, this.o.shards ?? 16) : [[]];
    const finished: string[] = [];
    await this.run('profile', groups.map((g) => ({ spec: { kind: 'profile', ...base, pairs: g }, size: g.length })), r.runner.signal, (dir, _, size) => {
      finished.push(dir);
      onDone(size);
    });
    // Into the cache only once every shard is in: a resumed tuning then misses the same pairs, cut into the same shards.
    for (const dir of finished) {
      const from = path.join(dir, CACHE_FOLDER);
      for (const name of fs.readdirSync(from)) {
        if (!name.startsWith('.') && !r.cache.has(name)) r.cache.copyIn(path.join(from, name), name);
      }
    }
  }

  async measure(job: MeasureJob): Promise<MeasuredRun[]> {
    const base = { mpxm: this.stage(job.mpxm), set: this.stageSet(job.set), layers: [...job.layers], runner: this.shardRunner(job.runner), timing: job.timing };
    const batches = measureBatches(job.choices.length, this.o.shards ?? 16);
    const runs: MeasuredRun[] = [];
    await this.run('measure', batches.map((b) => ({
      spec: { kind: 'measure', ...base, choices: b.map((i) => [...job.choices[i]]) }, size: b.length, batch: b,
    })), job.runner.signal, (_, result, __, unit) => {
      if (result.kind !== 'measure') return;
      for (const run of result.runs) runs.push({ ...run, choice: unit.batch[run.choice] });
    });
    return runs.sort((a, b) => a.choice - b.choice);
  }

  async calibrate(job: CalibrationJob): Promise<CalibrationRecord> {
    let record: CalibrationRecord | undefined;
    const spec: ShardSpec = { kind: 'calibrate', mpxm: this.stage(job.mpxm), input: this.stage(job.input), samples: job.samples, batch: job.batch };
    await this.run('calibrate', [{ spec, size: 1 }], job.signal, (_, result) => {
      if (result.kind === 'calibrate') record = result.record;
    });
    return record!;
  }

  private shardRunner(r: { threads: number; batch: number; probabilities?: boolean }): ShardRunner {
    return { processes: Math.max(1, Math.floor((this.o.cpusPerTask ?? 1) / r.threads)), threads: r.threads, batch: r.batch, probabilities: !!r.probabilities };
  }

  /** A copy of a file in the work folder, named by its sha256 (so copied once, whoever needs it). */
  private stage(file: string): string {
    const bytes = fs.readFileSync(file);
    const staged = path.join(this.work, 'inputs', `${createHash('sha256').update(bytes).digest('hex').slice(0, 32)}${path.extname(file)}`);
    if (!fs.existsSync(staged)) writeFileAtomic(staged, bytes);
    return staged;
  }

  private stageSet(set: { inputPath: string; labelsPath: string }) {
    return { inputPath: this.stage(set.inputPath), labelsPath: this.stage(set.labelsPath) };
  }

  /**
   * Runs a phase's shards: the finished ones are merged at once, the others submitted (or followed) as one
   * array job and merged as their results land. Resolves when all are merged; fails, naming the tasks,
   * when some ended without a result.
   */
  private async run<U extends { spec: ShardSpec; size: number }>(
    phase: SlurmPhase, units: U[], signal: AbortSignal | undefined, merge: (dir: string, result: ShardResult, size: number, unit: U) => void,
  ): Promise<void> {
    if (signal?.aborted) throw abortError();
    const shards = units.map((u) => ({ dir: this.shardFolder(phase, u.spec), size: u.size, unit: u }));
    const open: (Shard & { unit: U })[] = [];
    for (const s of shards) {
      const result = readShardResult(s.dir);
      if (result) merge(s.dir, result, s.size, s.unit), this.stats.shardsReused++;
      else open.push(s);
    }
    if (open.length === 0) return;

    // Shards an earlier tuning submitted: followed while queued, submitted again once over, only when resuming.
    const earlier = new Map(open.flatMap((s) => {
      const sub = readJson<Submission>(path.join(s.dir, SUBMITTED_FILE));
      return sub ? [[s.dir, sub] as const] : [];
    }));
    const earlierJobs = [...new Set([...earlier.values()].map((s) => s.job))];
    const before = await taskStates(earlierJobs);
    const accounted = [...earlier.values()].some((s) => !before.has(`${s.job}_${s.task}`)) ? await accountedStates(earlierJobs) : new Map<string, string>();
    const followed = new Map<string, Submission>();
    const toSubmit: typeof open = [];
    for (const s of open) {
      const sub = earlier.get(s.dir);
      if (!sub) {
        toSubmit.push(s);
        continue;
      }
      const state = before.get(`${sub.job}_${sub.task}`) ?? accounted.get(`${sub.job}_${sub.task}`);
      if (!this.o.resume) {
        throw new MobiproxError(isLive(state)
          ? `Slurm task ${sub.job}_${sub.task} of an earlier tuning is still ${state} on shard ${s.dir}: resume the tuning (--resume) to follow it, or scancel ${sub.job}.`
          : `Slurm task ${sub.job}_${sub.task} of an earlier tuning ended ${state ?? '(state unknown: no longer in squeue, not in sacct)'} without a result (shard ${s.dir}, log ${sub.log}): resume the tuning (--resume) to run it again.`,
        { value: `${sub.job}_${sub.task}` });
      }
      if (isLive(state)) followed.set(s.dir, sub);
      else toSubmit.push(s);
    }
    if (toSubmit.length > 0) {
      const submitted = await this.submit(phase, toSubmit.map((s) => s.dir));
      toSubmit.forEach((s, i) => followed.set(s.dir, submitted[i]));
    }

    const jobs = [...new Set([...followed.values()].map((s) => s.job))];
    let waiting = open;
    let lastStatus = '';
    let graceUntil: number | undefined;
    let squeueFailures = 0;
    try {
      for (;;) {
        let states: Map<string, string>;
        try {
          states = await taskStates(jobs);
          squeueFailures = 0;
        } catch (e) {
          // A busy slurmctld times out now and then: a long tuning should not die of one unanswered squeue.
          if (++squeueFailures >= SQUEUE_ATTEMPTS) throw e;
          await sleep(this.o.pollMs ?? 2000, undefined, { signal });
          continue;
        }
        const landed = () => {
          waiting = waiting.filter((s) => {
            const result = readShardResult(s.dir);
            if (!result) return true;
            merge(s.dir, result, s.size, s.unit);
            this.stats.shardsRun++;
            return false;
          });
        };
        landed();
        const stateOf = (s: Shard) => {
          const sub = followed.get(s.dir)!;
          return states.get(`${sub.job}_${sub.task}`);
        };
        const count = (st: string) => waiting.filter((s) => stateOf(s) === st).length;
        const status = `slurm ${phase}: job ${jobs.join(', ')}: ${count('PENDING')} pending, ${count('RUNNING')} running, ` +
          `${shards.length - waiting.length}/${shards.length} shards done`;
        if (status !== lastStatus) this.o.onStatus?.(status), (lastStatus = status);
        if (waiting.every((s) => !isLive(stateOf(s)))) {
          landed(); // a task writes its result before Slurm counts it complete
          if (waiting.length === 0) return;
          // A shared file system may show a completed task's result a little later than Slurm its state.
          graceUntil ??= Date.now() + RESULT_GRACE_MS;
          if (waiting.some((s) => stateOf(s) === 'COMPLETED') && Date.now() < graceUntil) {
            await sleep(this.o.pollMs ?? 2000, undefined, { signal });
            continue;
          }
          const accounted = await accountedStates(jobs);
          const failed = waiting.map((s) => {
            const sub = followed.get(s.dir)!;
            const id = `${sub.job}_${sub.task}`;
            return `${id} ${stateOf(s) ?? accounted.get(id) ?? '(state unknown: no longer in squeue, not in sacct)'} (log ${sub.log})`;
          });
          throw new MobiproxError(
            `Slurm ${phase}: ${waiting.length} of ${shards.length} array tasks ended without a result: ${failed.join('; ')}. ` +
            `The ${shards.length - waiting.length} finished shards are kept in ${this.work}: resume the tuning (--resume) to run only these again.`,
            { value: waiting.map((s) => `${followed.get(s.dir)!.job}_${followed.get(s.dir)!.task}`) },
          );
        }
        await sleep(this.o.pollMs ?? 2000, undefined, { signal });
      }
    } catch (e) {
      if (signal?.aborted) {
        await scancel(jobs).catch(() => undefined); // the tuning is cancelled either way
        throw abortError();
      }
      throw e;
    }
  }

  /** The shard's folder, named by its spec, with the spec written once. */
  private shardFolder(phase: SlurmPhase, spec: ShardSpec): string {
    const text = JSON.stringify(spec);
    const dir = path.join(this.work, 'shards', `${phase}-${createHash('sha256').update(text).digest('hex').slice(0, 24)}`);
    if (!fs.existsSync(path.join(dir, SPEC_FILE))) writeFileAtomic(path.join(dir, SPEC_FILE), text);
    return dir;
  }

  /** One array job over the shard folders; each folder records which task runs it. */
  private async submit(phase: SlurmPhase, dirs: string[]): Promise<Submission[]> {
    fs.mkdirSync(path.join(this.work, 'jobs'), { recursive: true });
    const jobDir = fs.mkdtempSync(path.join(this.work, 'jobs', `${phase}-`));
    const tasks = path.join(jobDir, 'tasks.json');
    writeFileAtomic(tasks, JSON.stringify(dirs));
    const script = path.join(jobDir, 'task.sh');
    writeFileAtomic(script, `#!/bin/sh\n# array task i runs the shard tasks.json lists at i\nexec ${[...this.command, 'shard', tasks].map(quote).join(' ')} "$SLURM_ARRAY_TASK_ID"\n`);
    const args = [
      `--array=0-${dirs.length - 1}`, `--job-name=mobiprox-${phase}`, `--output=${path.join(jobDir, '%a.log')}`,
      `--cpus-per-task=${this.o.cpusPerTask ?? 1}`,
      ...(this.o.partition ? [`--partition=${this.o.partition}`] : []), ...(this.o.timeLimit ? [`--time=${this.o.timeLimit}`] : []),
      ...(this.o.sbatchOptions ?? []),
    ];
    const job = await sbatch(args, script);
    this.stats.jobs.push(job);
    this.stats.tasks += dirs.length;
    return dirs.map((dir, task) => {
      const sub = { job, task, log: path.join(jobDir, `${task}.log`) };
      writeFileAtomic(path.join(dir, SUBMITTED_FILE), JSON.stringify(sub));
      return sub;
    });
  }
}

/** This Node running this checkout's CLI when there is one (the nodes see the same paths), else `mobiprox`. */
function defaultCommand(): string[] {
  const cli = path.resolve(__dirname, '../../../cli/main.js');
  return fs.existsSync(cli) ? [process.execPath, cli] : ['mobiprox'];
}

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}
