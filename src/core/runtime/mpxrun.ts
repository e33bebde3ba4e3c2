/**
 * Drives the native runtime's CLI, `mpxrun`, on the host. The same binary runs on devices, so the host and
 * the device execute identical code; TypeScript never re-implements a kernel.
 */
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { MobiproxError } from '../errors';
import {
  CalibrationRecord, InfoRecord, OutcomeRecord, ProfileRecord, RunRecord, StreamRecord, TimingRecord, parseCalibrationRecord, parseInfoRecord,
  parseRunRecord, parseStreamRecord,
} from './mpxrunRecords';

export type {
  CalibrationRecord, ConfidenceStats, InfoRecord, Interval, LayerCalibration, OutcomeRecord, ProfileRecord, RunRecord, Timing, TimingRecord,
} from './mpxrunRecords';

/** How long and how precisely to measure (mpxrun's TIMING options). */
export interface TimingOptions {
  /** Relative half-width of the 95 % intervals to reach (default 0.02). */
  target?: number;
  maxSeconds?: number;
  /** Least duration of the rounds (default 2 s, at most maxSeconds). */
  minSeconds?: number;
  minRounds?: number;
  unitMs?: number;
}

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
  /** Measure the configuration's latency (default: outputs only). */
  timing?: boolean | TimingOptions;
}

export interface ProfileOptions extends ExecutionOptions {
  only?: number[];
  perSample?: boolean;
  /** Per-op milliseconds per batch in each record. */
  opTimes?: boolean;
  /** Writes each configuration's outputs to DIR/<index>.npy. */
  saveOutputsDir?: string;
  /** Runs each configuration only from its first approximated op (outcomes only). */
  reusePrefix?: boolean;
  /** Time the configurations, together with configuration 0 (default: outcomes only). */
  timing?: boolean | TimingOptions;
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

function timingArgs(timing: boolean | TimingOptions | undefined): string[] {
  if (!timing) return ['--timed', 'none'];
  if (timing === true) return [];
  const args: string[] = [];
  if (timing.target !== undefined) args.push('--target', String(timing.target));
  if (timing.maxSeconds !== undefined) args.push('--max-seconds', String(timing.maxSeconds));
  if (timing.minSeconds !== undefined) args.push('--min-seconds', String(timing.minSeconds));
  if (timing.minRounds !== undefined) args.push('--min-rounds', String(timing.minRounds));
  if (timing.unitMs !== undefined) args.push('--unit-ms', String(timing.unitMs));
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
  args.push(...timingArgs(o.timing));
  let result: RunRecord | undefined;
  await execute(args, o.signal, (line) => {
    result = parseRunRecord(line);
  });
  if (!result) throw new MobiproxError('mpxrun printed no result.');
  return result;
}

/**
 * Runs many configurations. Untimed, each record is yielded as soon as mpxrun completes it; timed, the
 * records are yielded at the end, each with its timing (configurations are timed together).
 */
export async function* profileModel(
  model: string, input: string, labels: string, configs: string, o: ProfileOptions = {},
): AsyncGenerator<ProfileRecord> {
  const args = ['profile', model, '--input', input, '--labels', labels, '--configs', configs, ...commonArgs(o)];
  if (o.only) args.push('--only', o.only.join(','));
  if (o.perSample) args.push('--per-sample');
  if (o.opTimes) args.push('--op-times');
  if (o.saveOutputsDir) args.push('--save-outputs-dir', o.saveOutputsDir);
  if (o.reusePrefix) args.push('--reuse-prefix');
  else args.push(...timingArgs(o.timing));
  const outcomes = new Map<number, OutcomeRecord>();
  for await (const record of streamRecords(args, o.signal)) {
    if (record.type === 'config' && o.timing && !o.reusePrefix) outcomes.set(record.index, record);
    else if (record.type === 'config') yield record;
    else if (record.type === 'timing') {
      yield { ...outcomes.get(record.index)!, latencyMsPerSample: record.latencyMsPerSample, timing: record.timing };
    }
  }
}

/** Times configurations (all, or `only`) together with configuration 0, without their outcomes; with `opTimes`,
 * every op's time and speedup too. */
export async function measureModel(
  model: string, input: string, configs: string,
  o: ExecutionOptions & { only?: number[]; timing?: TimingOptions; opTimes?: boolean } = {},
): Promise<TimingRecord[]> {
  const args = ['measure', model, '--input', input, '--configs', configs, ...commonArgs(o), ...timingArgs(o.timing ?? true)];
  if (o.only) args.push('--only', o.only.join(','));
  if (o.opTimes) args.push('--op-times');
  const records: TimingRecord[] = [];
  for await (const record of streamRecords(args, o.signal)) {
    if (record.type === 'timing') records.push(record);
  }
  return records;
}

/** mpxrun's JSON lines, each as soon as it is printed. */
async function* streamRecords(args: string[], signal: AbortSignal | undefined): AsyncGenerator<StreamRecord> {
  const queue: StreamRecord[] = [];
  let wake: (() => void) | undefined;
  let finished = false;
  let failure: unknown;
  execute(args, signal, (line) => {
    queue.push(parseStreamRecord(line));
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

/** The exact model over the input's samples: each convolution's input range and int8 quantisation. */
export async function calibrateModel(model: string, input: string, o: ExecutionOptions = {}): Promise<CalibrationRecord> {
  let result: CalibrationRecord | undefined;
  await execute(['calibrate', model, '--input', input, ...commonArgs(o)], o.signal, (line) => (result = parseCalibrationRecord(line)));
  if (!result) throw new MobiproxError('mpxrun calibrate printed no result.');
  return result;
}

/** sha256 of the mpxrun binary: cached timings are valid for the runtime that measured them only. */
export function runtimeSha256(): string {
  const binary = locateMpxrun();
  const stat = fs.statSync(binary);
  const key = `${binary}:${stat.size}:${stat.mtimeMs}`;
  if (runtimeHash?.key !== key) runtimeHash = { key, sha256: createHash('sha256').update(fs.readFileSync(binary)).digest('hex') };
  return runtimeHash.sha256;
}

let runtimeHash: { key: string; sha256: string } | undefined;

/** mpxrun's description of a compiled model: input dims, outputs, ops and layers. */
export async function modelInfo(model: string): Promise<InfoRecord> {
  let info: InfoRecord | undefined;
  await execute(['info', model], undefined, (line) => (info = parseInfoRecord(line)));
  if (!info) throw new MobiproxError('mpxrun info printed no result.');
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
        lineError = e instanceof MobiproxError ? e : new MobiproxError(`mpxrun printed a line that is not a JSON record: ${line.slice(0, 200)}`);
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
