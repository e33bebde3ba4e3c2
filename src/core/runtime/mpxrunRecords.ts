/**
 * mpxrun's JSON lines checked against the records TypeScript reads (mpxrun.ts): the C side prints them with
 * printf, so a field it renames, drops or prints as another type is named here, with its value, instead of
 * flowing on as a value of the wrong type. Fields the records do not declare pass unchecked.
 */
import { MobiproxError } from '../errors';
import { Check, FieldError, arrayOf, bool, int, num, numOrNull, object, oneOf, str } from './jsonChecks';

/** An estimate with its 95 % interval. */
export interface Interval { estimate: number; low: number; high: number }

/**
 * The runtime's measurement of one configuration (mpx_measure: README, "How speed is measured"): every
 * configuration of a set timed in interleaved rounds in one process, on the CPU time of the inference threads.
 */
export interface Timing {
  method: 'interleaved-rounds';
  /** The clock of `latencyMsPerSample`: the inference threads' CPU time with one thread, else wall time. */
  clock: 'thread-cpu' | 'wall';
  latencyMsPerSample: Interval;
  cpuMsPerSample: Interval;
  wallMsPerSample: Interval;
  /** Over configuration 0 of the same measurement (CPU time, paired by round). */
  speedup: Interval;
  /** User-mode counts per sample (one-thread runs), null where the kernel refuses the counters. */
  cyclesPerSample: number | null;
  instructionsPerSample: number | null;
  rounds: number;
  samplesPerUnit: number;
  /** Every speedup's interval reached the target (±2 % by default) before the time cap. */
  converged: boolean;
  /** The CPU's model name and the convolution kernels chosen for it (fp32, and int8 where the runtime has them). */
  cpu: string;
  kernels: string;
  int8Kernels?: string;
}

export interface RunRecord {
  config: string;
  configIndex: number;
  samples: number;
  batch: number;
  threads: number;
  accuracy?: number;
  correct?: number;
  /** The measurement's estimate; absent when the run was not timed. */
  latencyMsPerSample?: number;
  timing?: Timing;
  opTimes?: { name: string; ms: number }[];
}

export interface ConfidenceStats { mean: number | null; correct: number | null; wrong: number | null }

/** A configuration's outcomes over a data set (mpxrun profile streams one as each configuration finishes). */
export interface OutcomeRecord {
  type: 'config';
  index: number;
  name: string;
  samples: number;
  accuracy: number;
  correct: number;
  predictions?: number[];
  /** Holds null where the outputs were not finite (mpxrun prints null), as a set's samples may (configurationSet.ts). */
  confidences?: number[];
  confidence: ConfidenceStats & { perClass: ConfidenceStats[] };
  energyJoules: number | null;
  opTimes?: { name: string; ms: number }[];
}

/** One op's share of a measurement (`mpxrun measure --op-times`): its CPU time per sample and its speedup over
 * the same op in configuration 0, paired by round like the configuration's. */
export interface OpTiming { name: string; msPerSample: Interval; speedup: Interval }

/** A configuration's timing, from the measurement of all timed configurations together. */
export interface TimingRecord {
  type: 'timing';
  index: number;
  name: string;
  threads: number;
  batch: number;
  latencyMsPerSample: number;
  timing: Timing;
  opTimes?: OpTiming[];
}

/** Outcomes, with the timing when the configuration was timed. */
export type ProfileRecord = OutcomeRecord & Partial<Pick<TimingRecord, 'latencyMsPerSample' | 'timing'>>;

/** One convolution's input over the calibration data and the `q=<scale>,<zero>` token its int8 knobs take. */
export interface LayerCalibration { layer: number; op: string; min: number; max: number; q: string }
export interface CalibrationRecord { type: 'calibration'; samples: number; layers: LayerCalibration[] }

/** A tensor at the model's edge: per-sample dims and element count. */
export interface TensorInfo { name: string; dims: number[]; size: number }
/** `mpxrun info`: the model as the runtime loaded it, and the kernels it chose on this CPU. */
export interface InfoRecord {
  input: TensorInfo;
  outputs: TensorInfo[];
  ops: number;
  /** Layers numbered from 1, each slot with the op it controls. */
  layers: { index: number; slots: { op: string; opIndex: number; opName: string }[] }[];
  configs: string[];
  cpu: string;
  kernels: string;
  int8Kernels: string;
}

const interval = object<Interval>({ estimate: num, low: num, high: num });
const timing = object<Timing>({
  method: oneOf('interleaved-rounds'), clock: oneOf('thread-cpu', 'wall'), latencyMsPerSample: interval, cpuMsPerSample: interval,
  wallMsPerSample: interval, speedup: interval, cyclesPerSample: numOrNull, instructionsPerSample: numOrNull, rounds: int,
  samplesPerUnit: int, converged: bool, cpu: str, kernels: str,
}, { int8Kernels: str });
const opTimes = arrayOf(object<{ name: string; ms: number }>({ name: str, ms: num }));
const confidenceStats = { mean: numOrNull, correct: numOrNull, wrong: numOrNull };

const run = object<RunRecord>(
  { config: str, configIndex: int, samples: int, batch: int, threads: int },
  { accuracy: num, correct: int, latencyMsPerSample: num, timing, opTimes },
);
const outcomeRequired = {
  type: oneOf('config'), index: int, name: str, samples: int, accuracy: num, correct: int,
  confidence: object<OutcomeRecord['confidence']>({ ...confidenceStats, perClass: arrayOf(object(confidenceStats)) }),
  energyJoules: numOrNull,
};
const outcomeOptional = { predictions: arrayOf(int), confidences: arrayOf(numOrNull) as Check<number[]>, opTimes };
const outcome = object<OutcomeRecord>(outcomeRequired, outcomeOptional);
const opTimings = arrayOf(object<OpTiming>({ name: str, msPerSample: interval, speedup: interval }));
const timed = object<TimingRecord>(
  { type: oneOf('timing'), index: int, name: str, threads: int, batch: int, latencyMsPerSample: num, timing },
  { opTimes: opTimings },
);
const done = object<{ type: 'done' }>({ type: oneOf('done') });
const calibration = object<CalibrationRecord>({
  type: oneOf('calibration'), samples: int,
  layers: arrayOf(object<CalibrationRecord['layers'][number]>({ layer: int, op: str, min: num, max: num, q: str })),
});

/** A configuration's record as a profiling run's log keeps it (device/recordStore.ts): outcomes, and the timing if timed. */
export const profileRecord: Check<ProfileRecord> = object<ProfileRecord>(outcomeRequired, { ...outcomeOptional, latencyMsPerSample: num, timing });

const tensorInfo = object<TensorInfo>({ name: str, dims: arrayOf(int), size: int });
const info = object<InfoRecord>({
  input: tensorInfo, outputs: arrayOf(tensorInfo), ops: int,
  layers: arrayOf(object<InfoRecord['layers'][number]>({ index: int, slots: arrayOf(object({ op: str, opIndex: int, opName: str })) })),
  configs: arrayOf(str), cpu: str, kernels: str, int8Kernels: str,
});

/** A line of `mpxrun profile` or `mpxrun measure`, told apart by its type. */
export type StreamRecord = OutcomeRecord | TimingRecord | { type: 'done' };
const STREAM: Record<string, Check<StreamRecord>> = { config: outcome, timing: timed, done };

function parse<T>(line: string, what: string, check: (v: unknown) => T): T {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new MobiproxError(`mpxrun printed a line that is not a JSON record: ${line.slice(0, 200)}`);
  }
  try {
    return check(value);
  } catch (e) {
    if (!(e instanceof FieldError)) throw e;
    throw new MobiproxError(`mpxrun printed ${what} record whose ${e.message}: the runtime and this extension disagree; rebuild the runtime (npm run build).`, { value: e.at });
  }
}

export const parseRunRecord = (line: string): RunRecord => parse(line, 'a run', (v) => run(v, ''));

export const parseInfoRecord = (line: string): InfoRecord => parse(line, 'an info', (v) => info(v, ''));

export const parseCalibrationRecord = (line: string): CalibrationRecord => parse(line, 'a calibration', (v) => calibration(v, ''));

export function parseStreamRecord(line: string): StreamRecord {
  return parse(line, 'a profile', (v) => {
    const type = (v as { type?: unknown } | null)?.type;
    const check = typeof type === 'string' && Object.hasOwn(STREAM, type) ? STREAM[type] : undefined;
    if (!check) throw new FieldError('type', type, '"config", "timing" or "done"');
    return check(v, '');
  });
}
