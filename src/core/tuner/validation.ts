/**
 * Empirical measurement of chosen configurations on a sample set: full runs for the outcomes (no prefix
 * reuse, side by side in processes), then one measurement of all of them with the exact configuration in
 * one process (mpx_measure: interleaved rounds on CPU time, README "How speed is measured"), so that every
 * speedup has its 95 % interval and every loss its paired interval against the exact run.
 * Measurements may be remembered on disk, so that rerunning a tuning does not run its candidates again.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LayerInfo } from '../compile';
import { ConfidenceTriple } from '../knobs/configuration';
import { ConfidenceStats, Interval, ProfileRecord, Timing, TimingOptions, measureModel } from '../runtime/mpxrun';
import { outcomes, pairedLossInterval } from '../stats/intervals';
import { DiskCache } from './cache';
import type { TuneExecutor } from './executor/executor';
import { choiceKey, choicesToHpvm } from './knobSpace';
import { RunnerOptions, runChoices } from './runner';
import { SampleSet, sha256 } from './tuningData';

export interface Measured {
  accuracy: number;
  /** Accuracy points lost against the exact configuration on the same samples, with its 95 % interval. */
  qosLoss: Interval;
  speedup: number;
  latencyMsPerSample: number;
  timing: Timing;
  /** All classes first, then per predicted class. */
  confidence: ConfidenceTriple[];
}

export interface MeasuredRun extends Measured {
  choice: number;
  /** The exact configuration as measured beside it. */
  baseline: Measured;
}

/** Where measurements are remembered: a cache and the key of the model, sample set, host and settings. */
export interface MeasurementCache {
  cache: DiskCache;
  key: string;
}

/** The measurement's samples (the first of the set) and its precision. */
export interface TimingSettings extends TimingOptions {
  samples: number;
}

export const DEFAULT_TIMING: TimingSettings = { samples: 256 };

/** A measurement of choices on a sample set, the same whichever executor runs it. */
export interface MeasureJob {
  mpxm: string;
  set: Pick<SampleSet, 'inputPath' | 'labelsPath' | 'labels'>;
  layers: readonly LayerInfo[];
  choices: readonly (readonly number[])[];
  runner: Omit<RunnerOptions, 'reusePrefix'>;
  workDir: string;
  timing: TimingSettings;
}

/**
 * Measures the choices and delivers each once its timing is done; with a cache, a choice measured before
 * (same model, set, host and runtime settings) is delivered from it without running. Nothing is delivered
 * of a cancelled measurement: its timing is incomplete. Returns how many ran.
 */
export async function measureChoices(
  mpxm: string, set: Pick<SampleSet, 'inputPath' | 'labelsPath' | 'labels'>, layers: readonly LayerInfo[],
  choices: readonly (readonly number[])[], runner: Omit<RunnerOptions, 'reusePrefix'>, workDir: string,
  onMeasured: (m: MeasuredRun) => void, remember?: MeasurementCache, timing: TimingSettings = DEFAULT_TIMING,
  executor?: TuneExecutor,
): Promise<number> {
  const name = (choice: readonly number[]) => `${remember!.key}-${sha256(Buffer.from(choiceKey(choice))).slice(0, 24)}.json`;
  const missing: number[] = [];
  choices.forEach((choice, i) => {
    const hit = remember?.cache.readJson<MeasuredRun>(name(choice));
    if (hit?.timing) onMeasured({ ...hit, choice: i });
    else missing.push(i);
  });
  if (missing.length === 0) return 0;
  const job: MeasureJob = { mpxm, set, layers, choices: missing.map((i) => choices[i]), runner, workDir, timing };
  for (const run of await (executor ? executor.measure(job) : measureHere(job))) {
    const m: MeasuredRun = { ...run, choice: missing[run.choice] };
    remember?.cache.writeJson(name(choices[m.choice]), m);
    onMeasured(m);
  }
  return missing.length;
}

/**
 * Runs a measurement on this machine: full runs side by side, then one timing of all the choices with the
 * exact configuration in one process. The runs come in the job's order, `choice` indexing `job.choices`.
 */
export async function measureHere(job: MeasureJob): Promise<MeasuredRun[]> {
  const { mpxm, set, layers, choices: run, runner, workDir } = job;
  const full = new Map<number, { record: ProfileRecord; baseline: ProfileRecord }>();
  await runChoices(mpxm, set, layers, run, { ...runner, perSample: true }, (r) => full.set(r.choice, r), workDir);

  const configs = path.join(workDir, `measure-${process.pid}-${Date.now().toString(36)}.txt`);
  fs.writeFileSync(configs, choicesToHpvm(layers, run));
  let timings;
  try {
    const { samples, ...precision } = job.timing;
    timings = await measureModel(mpxm, set.inputPath, configs, {
      batch: runner.batch, threads: runner.threads, limit: samples, timing: precision, signal: runner.signal,
    });
  } finally {
    fs.rmSync(configs, { force: true });
  }
  const exactTiming = timings.find((t) => t.index === 0)!;
  const [first] = full.values();
  const exactOutcomes = outcomes(first.baseline.predictions!, set.labels);
  const baseline = measured(first.baseline, exactTiming.timing, exactOutcomes, exactOutcomes);
  return timings.filter((t) => t.index !== 0).map((t) => {
    const { record } = full.get(t.index - 1)!;
    return { choice: t.index - 1, ...measured(record, t.timing, exactOutcomes, outcomes(record.predictions!, set.labels)), baseline };
  });
}

function measured(r: ProfileRecord, timing: Timing, exactOutcomes: boolean[], ownOutcomes: boolean[]): Measured {
  return {
    accuracy: r.accuracy,
    qosLoss: pairedLossInterval(exactOutcomes, ownOutcomes),
    speedup: timing.speedup.estimate,
    latencyMsPerSample: timing.latencyMsPerSample.estimate,
    timing,
    confidence: [r.confidence, ...r.confidence.perClass].map(triple),
  };
}

/** Means over an empty set are null in the profile; the HPVM text needs numbers, and 0 says "none". */
const triple = (c: ConfidenceStats): ConfidenceTriple => ({ mean: c.mean ?? 0, correct: c.correct ?? 0, wrong: c.wrong ?? 0 });
