/**
 * One tuning, end to end (src/core/DESIGN.md §3), behind the one API the CLI and the extension share: cost model
 * (calibrated on the host), single-knob profiles (cached), search over the chosen predictor, empirical
 * validation of the candidates on the tuning set, Pareto frontier and thinning, evaluation on the held-out
 * test set, and the configuration files. The int8 calibration, the profiles and the measurements run where
 * the executor puts them (executor/: this machine, or Slurm array jobs). Progress is reported per phase; an
 * AbortSignal stops the runtime processes (or the executor's jobs), and a cancelled tuning still writes
 * (atomically) every configuration validated until then.
 */
import * as os from 'node:os';
import { LayerInfo } from '../compile';
import { EXACT_KNOB } from '../knobs/catalog';
import {
  CONFIGURATION_SET_FORMAT, ConfigurationRecord, ConfigurationSet, toHpvm, writeConfigurationSet,
} from '../knobs/configurationSet';
import { Preprocessing } from '../data/preprocess';
import { writeFileAtomic } from '../fsutil';
import { MobiproxError } from '../errors';
import { PREVIEW_SAMPLES, judge } from '../runtime/dataPreview';
import { runModel, runtimeSha256 } from '../runtime/mpxrun';
import { DiskCache, defaultCacheDir } from './cache';
import { CostModel, calibrateCostModel, nominalCostModel, offeredKnobs } from './costModel';
import { empiricalSearch } from './empiricalSearch';
import { ExecutorKind, TuneExecutor } from './executor/executor';
import { localExecutor } from './executor/local';
import { calibrateInt8 } from './int8Calibration';
import { choiceKey, exactChoice } from './knobSpace';
import { measuredRecord } from './measuredRecord';
import { notFaster } from '../stats/intervals';
import { paretoFront, thinFront } from './pareto';
import { P1Predictor, P2Predictor } from './predictors';
import { singleKnobProfiles } from './profiles';
import { abortError, isAbort, runChoices } from './runner';
import { Candidate, SearchSpace, backOff, predictiveCandidates, spreadByLoss } from './search';
import { SampleSet, TuningData, prepareTuningData, sha256 } from './tuningData';
import { Measured, MeasuredRun, measureChoices } from './validation';

export type PredictorKind = 'p1' | 'p2' | 'empirical';
export type TunePhase = 'prepare' | 'calibrate' | 'profile' | 'search' | 'validate' | 'test' | 'write';

export interface TuneProgress {
  phase: TunePhase;
  done: number;
  total: number;
}

export interface TuneOptions {
  model: string;
  input: string;
  labels: string;
  preprocessing?: Preprocessing;
  /** Tuning set: the first rows of the input (default all). */
  tuneSize?: number;
  /** Held-out test set: the rows after the tuning set (default all the rest). */
  testSize?: number;
  /** Take the tuning and test rows in this seed's random order instead of file order. */
  shuffleSeed?: number;
  /** Told when the choice of rows leaves no test set. */
  onWarning?: (message: string) => void;
  /** Largest QoS loss kept, accuracy points below the exact model on the tuning set (default 3). */
  qosThreshold?: number;
  predictor?: PredictorKind;
  /** p1/p2: candidates validated (default 32); empirical: configurations its search runs (default 400). */
  maxEvals?: number;
  /** Runtime threads per process (default 1); processes run side by side on the remaining cores. */
  threads?: number;
  processes?: number;
  batch?: number;
  cacheDir?: string;
  /** 'host' (default): per-layer, per-knob speedups measured here; 'nominal': the FLOPs prior. */
  costModel?: 'host' | 'nominal';
  /** Empirical search: stop starting generations after this many milliseconds of search. */
  searchTimeMs?: number;
  /** Stop when the exact model is about at chance on the first tuning samples (default true). */
  dataCheck?: boolean;
  /** Where the profiles, calibration, validation and test runs run (default: local, this machine). */
  executor?: TuneExecutor;
  out?: string;
  hpvmOut?: string;
}

export interface ValidatedPoint {
  choice: number[];
  predicted: Candidate;
  tune: MeasuredRun;
  test?: MeasuredRun;
}

export interface TuneStats {
  layers: number;
  /** Single-knob configurations the predictors need, run now and found in the cache. */
  profiled: number;
  cached: number;
  executor: ExecutorKind;
  costModel: CostModel['source'];
  costModelCached: boolean;
  /** Layer-knob pairs searched, and those withheld because the cost model says they save under 2 % of their layer's time. */
  offered: number;
  withheld: number;
  /** Second-round candidates backed off from failed ones because the predictor underestimated their losses. */
  backedOff: number;
  /** Configurations run by the empirical search. */
  evaluations: number;
  validated: number;
  /** Validation and test runs actually run (the rest came from the cache). */
  measured: number;
  phaseMs: Partial<Record<TunePhase, number>>;
}

export interface TuneResult {
  set: ConfigurationSet;
  /** Every validated candidate, the dropped ones included (for comparing searches). */
  validated: ValidatedPoint[];
  cancelled: boolean;
  stats: TuneStats;
}

/** The exact model must do better than chance on the data before anything is tuned on it (dataPreview.ts). */
async function checkTuningData(data: TuningData, o: TuneOptions, signal?: AbortSignal): Promise<void> {
  const samples = Math.min(data.tune.samples, PREVIEW_SAMPLES);
  const run = await runModel(data.mpxmPath, data.tune.inputPath, { labels: data.tune.labelsPath, limit: samples, signal });
  const verdict = judge(run.accuracy ?? 0, data.tune.labels.subarray(0, samples), { input: o.input, labels: o.labels, preprocessing: o.preprocessing ?? {} });
  if (verdict.problem) throw new MobiproxError(`Not tuning: ${verdict.problem}`, { file: o.input });
}

export async function tune(
  o: TuneOptions, ctl: { onProgress?: (p: TuneProgress) => void; signal?: AbortSignal } = {},
): Promise<TuneResult> {
  const signal = ctl.signal;
  const executor = o.executor ?? localExecutor;
  const stats: TuneStats = {
    layers: 0, profiled: 0, cached: 0, executor: executor.kind, costModel: 'nominal', costModelCached: false, offered: 0, withheld: 0, backedOff: 0, evaluations: 0, validated: 0, measured: 0, phaseMs: {},
  };
  let phase: TunePhase = 'prepare';
  let phaseStart = Date.now();
  // Cached work completes without the runtime noticing an abort: check between the steps as well.
  const checkAbort = () => {
    if (signal?.aborted) throw abortError();
  };
  const report = (p: TunePhase, done: number, total: number) => {
    if (p !== phase) {
      stats.phaseMs[phase] = (stats.phaseMs[phase] ?? 0) + Date.now() - phaseStart;
      phase = p;
      phaseStart = Date.now();
    }
    ctl.onProgress?.({ phase: p, done, total });
  };
  if (signal?.aborted) throw abortError();
  report('prepare', 0, 1);
  const data = prepareTuningData(o);
  let layers = data.model.layers;
  stats.layers = layers.length;
  const threshold = o.qosThreshold ?? 3;
  const threads = o.threads ?? 1;
  const runner = {
    processes: o.processes ?? Math.max(1, Math.floor(os.cpus().length / threads)), threads, batch: o.batch ?? 32, signal,
    probabilities: data.model.endsWithSoftmax,
  };
  const validated = new Map<string, ValidatedPoint>();
  let exact: { tune?: Measured; test?: Measured } = {};
  try {
    report('prepare', 1, 1);
    if (o.dataCheck ?? true) await checkTuningData(data, o, signal);
    const cache = new DiskCache(o.cacheDir ?? defaultCacheDir());
    report('calibrate', 0, 1);
    layers = await calibrateInt8(layers, { mpxm: data.mpxmPath, set: data.tune, modelSha256: data.modelSha256, batch: runner.batch, cache, executor, signal });
    let costs: CostModel;
    if (o.costModel === 'nominal') {
      costs = nominalCostModel(layers);
    } else {
      const calibrated = await calibrateCostModel({
        mpxm: data.mpxmPath, set: data.tune, layers, modelSha256: data.modelSha256, threads, batch: runner.batch,
        samples: Math.min(data.tune.samples, 128), cache, workDir: data.workDir, signal,
      });
      costs = calibrated.model;
      stats.costModelCached = calibrated.cached;
    }
    stats.costModel = costs.source;
    checkAbort();
    report('calibrate', 1, 1);
    const space: SearchSpace = { layers, costs, options: offeredKnobs(layers, costs) };
    stats.offered = space.options.reduce((n, ks) => n + ks.length - 1, 0);
    stats.withheld = layers.reduce((n, l) => n + l.knobs.length - 1, 0) - stats.offered;

    // measured speedups hold for this CPU (or the cluster's), these settings and this runtime
    const where = executor.kind === 'local' ? [] : [executor.kind];
    const host = sha256(Buffer.from(JSON.stringify([os.cpus()[0]?.model, threads, runner.batch, runtimeSha256(), ...where]))).slice(0, 12);
    const remember = (set: SampleSet) => ({ cache, key: `m3-${data.modelSha256.slice(0, 16)}-${set.sha256.slice(0, 16)}-${host}` });
    const validate = async (candidates: Candidate[], total: number) => {
      const fresh = candidates.filter((c) => !validated.has(choiceKey(c.choice)) && c.choice.some((k) => k !== EXACT_KNOB));
      stats.measured += await measureChoices(data.mpxmPath, data.tune, layers, fresh.map((c) => c.choice), runner, data.workDir, (m) => {
        exact.tune ??= m.baseline;
        const c = fresh[m.choice];
        validated.set(choiceKey(c.choice), { choice: c.choice, predicted: c, tune: m });
        stats.validated = validated.size;
        report('validate', validated.size, total);
      }, remember(data.tune), undefined, executor);
    };

    if ((o.predictor ?? 'p1') === 'empirical') {
      const budget = o.maxEvals ?? 400;
      let exactAccuracy = NaN;
      await runChoices(data.mpxmPath, data.tune, layers, [exactChoice(layers)], { ...runner, processes: 1, reusePrefix: true },
        ({ baseline }) => (exactAccuracy = baseline.accuracy), data.workDir);
      report('search', 0, budget);
      const searchStart = Date.now();
      const measured = await empiricalSearch(space, {
        exactAccuracy, maxLoss: threshold, maxEvals: budget, generation: 4 * runner.processes * 2,
        deadline: o.searchTimeMs === undefined ? undefined : searchStart + o.searchTimeMs,
        measure: async (choices) => {
          const accuracies = new Array<number>(choices.length);
          await runChoices(data.mpxmPath, data.tune, layers, choices, { ...runner, reusePrefix: true, chunksPerProcess: 1 },
            ({ choice, record }) => (accuracies[choice] = record.accuracy), data.workDir);
          stats.evaluations += choices.length;
          return accuracies;
        },
        onProgress: (done) => report('search', done, budget),
      });
      const toValidate = spreadByLoss(measured, 32, threshold, new Set());
      report('validate', 0, toValidate.length);
      await validate(toValidate, toValidate.length);
    } else {
      const pairs = space.options.flatMap((ks, layer) => ks.filter((k) => k !== EXACT_KNOB).map((k) => ({ layer, knob: k })));
      const profiles = await singleKnobProfiles({
        mpxm: data.mpxmPath, set: data.tune, layers, pairs, modelSha256: data.modelSha256, dataSha256: data.dataSha256,
        withOutputs: o.predictor !== 'p2', cache, runner, workDir: data.workDir, executor,
        onProgress: (done, total) => report('profile', done, total),
      });
      stats.profiled = profiles.profiled;
      stats.cached = profiles.cached;
      report('search', 0, 1);
      const p2 = new P2Predictor(profiles);
      const p1 = o.predictor === 'p2' ? undefined : new P1Predictor(profiles, data.tune.labels);
      // Predictions past the threshold are searched too: the second round below may find them too pessimistic.
      const candidates = predictiveCandidates(space, p2, 2 * threshold, p1);
      checkAbort();
      report('search', 1, 1);
      const budget = o.maxEvals ?? 32;
      report('validate', 0, budget);
      await validate(spreadByLoss(candidates, Math.ceil(budget / 2), threshold, new Set()), budget);
      checkAbort();
      // Second round: rescale the predicted losses by how the first round's measurements compare to them. When
      // the predictor underestimates them beyond the scale's range, knobs compound in ways it cannot add up, and
      // half of the round backs off from the failed candidates towards the exact configuration instead.
      const first = [...validated.values()];
      const scale = lossScale(first);
      const left = budget - validated.size;
      const failed = first.filter((p) => lossOf(p) > threshold).sort((a, b) => b.predicted.speedup - a.predicted.speedup);
      const backed = scale > MAX_LOSS_SCALE
        ? evenly(backOff(space, p2, failed.slice(0, BACKED_OFF).map((p) => p.predicted), p1)
          .filter((c) => !validated.has(choiceKey(c.choice))).sort((a, b) => b.speedup - a.speedup), Math.floor(left / 2))
        : [];
      stats.backedOff = backed.length;
      const exclude = new Set([...validated.keys(), ...backed.map((c) => choiceKey(c.choice))]);
      const rescaled = spreadByLoss(candidates, left - backed.length, threshold / Math.min(scale, MAX_LOSS_SCALE), exclude);
      await validate([...backed, ...rescaled], budget);
    }

    checkAbort();
    const front = frontier([...validated.values()], threshold);
    report('test', 0, front.length);
    // Without any approximation to run, the exact configuration is still measured (as the one choice).
    const measureSet = async (set: SampleSet, points: ValidatedPoint[], onRun: (m: MeasuredRun) => void) => {
      stats.measured += await measureChoices(data.mpxmPath, set, layers,
        points.length > 0 ? points.map((p) => p.choice) : [exactChoice(layers)], runner, data.workDir, onRun, remember(set), undefined, executor);
    };
    if (!exact.tune) await measureSet(data.tune, [], (m) => (exact.tune = m.baseline));
    if (data.test) {
      let done = 0;
      await measureSet(data.test, front, (m) => {
        exact.test ??= m.baseline;
        if (front.length > 0) front[m.choice].test = m;
        report('test', ++done, front.length);
      });
    }
    checkAbort();
    const set = writeResults(o, data, layers, front, exact, false);
    report('write', 1, 1);
    return { set, validated: [...validated.values()], cancelled: false, stats };
  } catch (e) {
    if (!isAbort(e) || validated.size === 0) throw e;
    const set = writeResults(o, data, layers, frontier([...validated.values()], threshold), exact, true);
    report('write', 1, 1);
    return { set, validated: [...validated.values()], cancelled: true, stats };
  } finally {
    data.dispose();
  }
}

/** Least-squares factor from predicted to measured loss over the candidates with a real predicted loss, at least 1/4. */
function lossScale(points: ValidatedPoint[]): number {
  const informative = points.filter((p) => p.predicted.loss > 0.2);
  if (informative.length < 2) return 1;
  let num = 0;
  let den = 0;
  for (const p of informative) {
    num += p.predicted.loss * lossOf(p);
    den += p.predicted.loss * p.predicted.loss;
  }
  return Math.max(0.25, num / den);
}

/** The largest factor the second round rescales predicted losses by; beyond it, the predictor has failed. */
const MAX_LOSS_SCALE = 4;
/** Failed candidates the second round backs off from, the fastest first. */
const BACKED_OFF = 4;

/** `count` points of a list, evenly spaced along it (the first included). */
function evenly<T>(xs: readonly T[], count: number): T[] {
  if (count <= 0) return [];
  if (xs.length <= count) return [...xs];
  return Array.from({ length: count }, (_, i) => xs[Math.floor((i * xs.length) / count)]);
}

const lossOf = (p: ValidatedPoint): number => p.tune.baseline.accuracy - p.tune.accuracy;

/**
 * The validated points within the threshold on the Pareto frontier, thinned (src/core/DESIGN.md §3). As in
 * ApproxTuner, the choice rests on the measured losses and the cost model's speedups: the cost model is
 * calibrated once per machine and cached, so the same tuning chooses the same configurations however the
 * next measurement's noise falls; the measured speedups are what the set reports. A point whose measured
 * speedup interval reaches 1 is not shown to be faster than the exact configuration: it stays off.
 * Dominance is judged on the upper end of each point's 95 % loss interval: on a thousand tuning samples a
 * loss is known to a point or two, and by the estimate alone one lucky fast point hides every slower one
 * whose loss is surely small, which then is all that held-out data can keep.
 */
function frontier(points: ValidatedPoint[], threshold: number): ValidatedPoint[] {
  const scored = points
    .filter((p) => lossOf(p) <= threshold && p.choice.some((k) => k !== EXACT_KNOB) && !notFaster(p.tune.timing.speedup))
    .map((p) => ({ p, speedup: p.predicted.speedup, loss: p.tune.qosLoss.high }));
  const anchor: { p?: ValidatedPoint; speedup: number; loss: number } = { speedup: 1, loss: 0 };
  return thinFront(paretoFront([anchor, ...scored])).flatMap((x) => (x.p ? [x.p] : []));
}

function writeResults(
  o: TuneOptions, data: TuningData, layers: readonly LayerInfo[], front: ValidatedPoint[], exact: { tune?: Measured; test?: Measured },
  partial: boolean,
): ConfigurationSet {
  const exactTune = exact.tune!;
  const record = (name: string, choice: number[], tune: Measured, test?: Measured, predicted?: Candidate): ConfigurationRecord =>
    measuredRecord(name, layers, choice, exactTune, tune, test, predicted);
  // Named in the frontier's order (by predicted speedup): measurement noise does not rename configurations.
  const ordered = [...front].sort((a, b) => a.predicted.speedup - b.predicted.speedup);
  const set: ConfigurationSet = {
    format: CONFIGURATION_SET_FORMAT,
    version: 1,
    model: { name: data.model.name, sha256: data.modelSha256, inputShape: data.model.inputShape, layers: layers.map((l) => l.slots.map((s) => s.op)) },
    baselineTime: exactTune.latencyMsPerSample,
    ...(partial ? { partial } : {}),
    configurations: [
      record('conf0', exactChoice(layers), exactTune, exact.test),
      ...ordered.map((p, i) => record(`conf${i + 1}`, p.choice, p.tune, p.test, p.predicted)),
    ],
  };
  if (o.out) writeConfigurationSet(o.out, set);
  if (o.hpvmOut) writeFileAtomic(o.hpvmOut, toHpvm(set));
  return set;
}
