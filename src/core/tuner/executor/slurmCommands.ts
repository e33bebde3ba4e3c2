/** Slurm's client commands as the slurm executor uses them: sbatch, squeue, scancel. */
import { execFile } from 'node:child_process';
import { MobiproxError } from '../../errors';

function slurm(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') {
        reject(new MobiproxError(`${command} is not on PATH: the slurm executor runs on a machine with Slurm's client commands.`));
      } else if (error) {
        reject(new MobiproxError(`${command} ${args.join(' ')} failed: ${(stderr || error.message).trim()}`));
      } else {
        resolve(stdout);
      }
    });
  });
}

/** Submits a batch script; the job id. */
export async function sbatch(args: string[], script: string): Promise<string> {
  const out = (await slurm('sbatch', ['--parsable', ...args, script])).trim();
  const id = out.split(';')[0]; // "<id>" or "<id>;<cluster>"
  if (!/^\d+$/.test(id)) throw new MobiproxError(`sbatch printed '${out}', not a job id.`);
  return id;
}

/**
 * The state of every array task of the jobs that slurmctld still holds, finished ones included (until
 * MinJobAge), by `<job>_<task>`: PENDING, RUNNING, COMPLETED, CANCELLED, FAILED, TIMEOUT, …
 */
export async function taskStates(jobs: readonly string[]): Promise<Map<string, string>> {
  const states = new Map<string, string>();
  if (jobs.length === 0) return states;
  // All of the user's jobs, filtered here: squeue -j fails outright on an id it no longer holds.
  const out = await slurm('squeue', ['--me', '--noheader', '--array', '--states=all', '--format=%F|%K|%T']);
  const wanted = new Set(jobs);
  for (const line of out.split('\n')) {
    const [job, task, state] = line.trim().split('|');
    if (state && wanted.has(job)) states.set(`${job}_${task}`, state);
  }
  return states;
}

/**
 * The states the accounting database holds for the jobs' array tasks, by `<job>_<task>`: for tasks squeue
 * no longer shows (a pending task cancelled is forgotten at once). Empty where accounting is off.
 */
export async function accountedStates(jobs: readonly string[]): Promise<Map<string, string>> {
  const states = new Map<string, string>();
  if (jobs.length === 0) return states;
  let out: string;
  try {
    out = await slurm('sacct', ['--noheader', '--parsable2', '--allocations', `--jobs=${jobs.join(',')}`, '--format=JobID,State']);
  } catch {
    return states; // no sacct, or "accounting storage is disabled": the caller says the state is unknown
  }
  for (const line of out.split('\n')) {
    const [id, state] = line.trim().split('|');
    if (state && /^\d+_\d+$/.test(id)) states.set(id, state.split(' ')[0]); // "CANCELLED by 0"
  }
  return states;
}

/** States in which a task may still write its result. */
const LIVE = new Set(['PENDING', 'CONFIGURING', 'RUNNING', 'COMPLETING', 'SUSPENDED', 'REQUEUED', 'RESIZING', 'SIGNALING', 'STAGE_OUT']);
export const isLive = (state: string | undefined): boolean => state !== undefined && LIVE.has(state);

export async function scancel(jobs: readonly string[]): Promise<void> {
  if (jobs.length > 0) await slurm('scancel', [...jobs]);
}
