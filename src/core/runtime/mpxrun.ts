/**
 * Drives the native runtime's CLI, `mpxrun`, on the host. The same binary runs on devices, so the host and
 * the device execute identical code; TypeScript never re-implements a kernel.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { MobiproxError } from '../errors';

export interface LatencyStats { mean: number; std: number; count: number }

export interface RunRecord {
  config: string;
  configIndex: number;
  samples: number;
  batch: number;
  threads: number;
  accuracy?: number;
  correct?: number;
  latencyMsPerSample: number;
  latencyMsPerSampleMedian?: number;
  latencyMsPerBatch: LatencyStats;
  opTimes?: { name: string; ms: number }[];
}

export interface ConfidenceStats { mean: number | null; correct: number | null; wrong: number | null }

export interface ProfileRecord {
  type: 'config';
  index: number;
  name: string;
  samples: number;
  accuracy: number;
  correct: number;
  latencyMsPerSample: number;
  /** The median batch's time per sample: robust to batches that other work on the machine slowed. */
  latencyMsPerSampleMedian?: number;
  latencyMsPerBatch: LatencyStats;
  predictions?: number[];
  confidences?: number[];
  confidence: ConfidenceStats & { perClass: ConfidenceStats[] };
  energyJoules: number | null;
  opTimes?: { name: string; ms: number }[];
}

/**
 * A record's time per sample for comparing configurations: the median batch's, robust to preemption (records
 * of runtimes that predate it have only the mean).
 */
export const typicalLatency = (r: { latencyMsPerSample: number; latencyMsPerSampleMedian?: number }): number =>
  r.latencyMsPerSampleMedian ?? r.latencyMsPerSample;

export interface ExecutionOptions {
  batch?: number;
  threads?: number;
  limit?: number;
  warmup?: number;
  repeat?: number;
  /** The model's output already is a probability distribution (it ends in Softmax). */
  probabilities?: boolean;
  signal?: AbortSignal;
}

export interface RunOptions extends ExecutionOptions {
  labels?: string;
  configs?: string;
  config?: string | number;
  saveOutputs?: string;
  opTimes?: boolean;
}

export interface ProfileOptions extends ExecutionOptions {
  only?: number[];
  perSample?: boolean;
  /** Per-op milliseconds per batch in each record. */
  opTimes?: boolean;
  /** Writes each configuration's outputs to DIR/<index>.npy. */
  saveOutputsDir?: string;
  /** Runs each configuration only from its first approximated op (records arrive at the end; latencies are
   * of the re-run suffixes). */
  reusePrefix?: boolean;
}

/** The host build of mpxrun: $MOBIPROX_MPXRUN, else build/host/mpxrun of this package. */
export function locateMpxrun(): string {
  const fromEnv = process.env.MOBIPROX_MPXRUN;
  const candidate = fromEnv || path.resolve(__dirname, '../../../../build/host/mpxrun');
  if (!fs.existsSync(candidate)) {
    throw new MobiproxError(
      `The native runtime was not found at ${candidate}. Build it with 'npm run build' (needs cmake and a C compiler)` +
        (fromEnv ? ', or fix MOBIPROX_MPXRUN.' : '.'),
      { file: candidate },
    );
  }
  return candidate;
}

function commonArgs(o: ExecutionOptions): string[] {
  const args: string[] = [];
  if (o.batch !== undefined) args.push('--batch', String(o.batch));
  if (o.threads !== undefined) args.push('--threads', String(o.threads));
  if (o.limit !== undefined) args.push('--limit', String(o.limit));
  if (o.warmup !== undefined) args.push('--warmup', String(o.warmup));
  if (o.repeat !== undefined) args.push('--repeat', String(o.repeat));
  if (o.probabilities) args.push('--probabilities');
  return args;
}

/** Runs one configuration over an input set and returns mpxrun's summary. */
export async function runModel(model: string, input: string, o: RunOptions = {}): Promise<RunRecord> {
  const args = ['run', model, '--input', input, ...commonArgs(o)];
  if (o.labels) args.push('--labels', o.labels);
  if (o.configs) args.push('--configs', o.configs);
  if (o.config !== undefined) args.push('--config', String(o.config));
  if (o.saveOutputs) args.push('--save-outputs', o.saveOutputs);
  if (o.opTimes) args.push('--op-times');
  let result: RunRecord | undefined;
  await execute(args, o.signal, (line) => {
    result = JSON.parse(line) as RunRecord;
  });
  if (!result) throw new MobiproxError('mpxrun printed no result.');
  return result;
}

/** Runs many configurations, yielding each one's record as soon as mpxrun completes it. */
export async function* profileModel(
  model: string, input: string, labels: string, configs: string, o: ProfileOptions = {},
): AsyncGenerator<ProfileRecord> {
  const args = ['profile', model, '--input', input, '--labels', labels, '--configs', configs, ...commonArgs(o)];
  if (o.only) args.push('--only', o.only.join(','));
  if (o.perSample) args.push('--per-sample');
  if (o.opTimes) args.push('--op-times');
  if (o.saveOutputsDir) args.push('--save-outputs-dir', o.saveOutputsDir);
  if (o.reusePrefix) args.push('--reuse-prefix');
  const queue: ProfileRecord[] = [];
  let wake: (() => void) | undefined;
  let finished = false;
  let failure: unknown;
  execute(args, o.signal, (line) => {
    const record = JSON.parse(line) as ProfileRecord | { type: 'done' };
    if (record.type === 'config') queue.push(record);
    wake?.();
  }).then(
    () => { finished = true; wake?.(); },
    (e) => { failure = e; finished = true; wake?.(); },
  );
  for (;;) {
    while (queue.length > 0) yield queue.shift()!;
    if (finished) break;
    await new Promise<void>((resolve) => (wake = resolve));
    wake = undefined;
  }
  while (queue.length > 0) yield queue.shift()!;
  if (failure) throw failure;
}

/** mpxrun's description of a compiled model: input dims, outputs, ops and layers. */
export async function modelInfo(model: string): Promise<unknown> {
  let info: unknown;
  await execute(['info', model], undefined, (line) => (info = JSON.parse(line)));
  return info;
}

function execute(args: string[], signal: AbortSignal | undefined, onLine: (line: string) => void): Promise<void> {
  const binary = locateMpxrun();
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError());
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let lineError: unknown;
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.trim() === '' || lineError) return;
      try {
        onLine(line);
      } catch (e) {
        lineError = new MobiproxError(`mpxrun printed a line that is not a JSON record: ${line.slice(0, 200)}`);
      }
    });
    const onAbort = () => child.kill('SIGTERM');
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (e) => reject(new MobiproxError(`Cannot start ${binary}: ${e.message}.`, { file: binary })));
    child.on('close', (code, sig) => {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) return reject(abortError());
      if (code !== 0) {
        const message = stderr.trim().replace(/^mpxrun: /, '') || `mpxrun exited with ${code ?? sig}`;
        return reject(new MobiproxError(message));
      }
      if (lineError) return reject(lineError);
      resolve();
    });
  });
}

function abortError(): Error {
  const e = new Error('The operation was cancelled.');
  e.name = 'AbortError';
  return e;
}
