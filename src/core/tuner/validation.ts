/**
 * Empirical measurement of chosen configurations: full runs (no prefix reuse) on a sample set, so that the
 * accuracy and the latency are those a user of the configuration gets. The speedup is the exact
 * configuration's latency over the configuration's, each the least over the full run and a few shorter
 * timing passes of the median batch's time per sample: on a shared machine other work only adds time, so
 * these are the configuration's own.
 * Measurements may be remembered on disk, so that rerunning a tuning does not run its candidates again.
 */
import { LayerInfo } from '../compile';
import { ConfidenceTriple } from '../knobs/configuration';
import { ConfidenceStats, LatencyStats, ProfileRecord, typicalLatency } from '../runtime/mpxrun';
import { DiskCache } from './cache';
import { choiceKey } from './knobSpace';
import { RunnerOptions, isAbort, runChoices } from './runner';
import { sha256 } from './tuningData';

export interface Measured {
  accuracy: number;
  speedup: number;
  latencyMsPerSample: number;
  latencyMsPerBatch: LatencyStats;
  /** All classes first, then per predicted class. */
  confidence: ConfidenceTriple[];
}

export interface MeasuredRun extends Measured {
  choice: number;
  /** The exact configuration as timed by the same process. */
  baseline: Measured;
}

/** Where measurements are remembered: a cache and the key of the model, sample set, host and settings. */
export interface MeasurementCache {
  cache: DiskCache;
  key: string;
}

/** Timing passes after the full run: how many, and on how many of the set's first samples. */
export interface TimingPasses {
  passes: number;
  samples: number;
}

export const DEFAULT_TIMING: TimingPasses = { passes: 2, samples: 256 };

/**
 * Measures the choices and delivers each when its timing passes are done; with a cache, a choice measured
 * before (same model, set, host and runtime settings) is delivered from it without running. On abort, the
 * choices whose full run completed are delivered with the passes they had. Returns how many ran.
 */
export async function measureChoices(
  mpxm: string, set: { inputPath: string; labelsPath: string }, layers: readonly LayerInfo[],
  choices: readonly (readonly number[])[], runner: Omit<RunnerOptions, 'reusePrefix'>, workDir: string,
  onMeasured: (m: MeasuredRun) => void, remember?: MeasurementCache, timing: TimingPasses = DEFAULT_TIMING,
  onRun?: (runsDone: number, runs: number) => void,
): Promise<number> {
  const name = (choice: readonly number[]) => `${remember!.key}-${sha256(Buffer.from(choiceKey(choice))).slice(0, 24)}.json`;
  const missing: number[] = [];
  choices.forEach((choice, i) => {
    const hit = remember?.cache.readJson<MeasuredRun>(name(choice));
    if (hit) onMeasured({ ...hit, choice: i });
    else missing.push(i);
  });
  const full = new Map<number, { record: ProfileRecord; baseline: ProfileRecord }>();
  const latencies = missing.map(() => [] as number[]);
  const exactLatencies: number[] = [];
  let runsDone = 0;
  const time = ({ choice, record, baseline }: { choice: number; record: ProfileRecord; baseline: ProfileRecord }) => {
    latencies[choice].push(typicalLatency(record));
    exactLatencies.push(typicalLatency(baseline));
    onRun?.(++runsDone, missing.length * (1 + timing.passes));
  };
  // A cancelled measurement is delivered but not remembered: its timing passes are incomplete.
  const deliver = (complete: boolean) => {
    const exact = Math.min(...exactLatencies);
    for (const [choice, { record, baseline }] of full) {
      const latency = Math.min(...latencies[choice]);
      const m: MeasuredRun = {
        choice: missing[choice], ...measured(record, latency, exact / latency), baseline: measured(baseline, exact, 1),
      };
      if (complete) remember?.cache.writeJson(name(choices[m.choice]), m);
      onMeasured(m);
    }
  };
  const run = missing.map((i) => choices[i]);
  try {
    await runChoices(mpxm, set, layers, run, runner, (r) => {
      full.set(r.choice, r);
      time(r);
    }, workDir);
    for (let pass = 0; pass < timing.passes; pass++) {
      await runChoices(mpxm, set, layers, run, { ...runner, limit: timing.samples, perSample: false }, time, workDir);
    }
  } catch (e) {
    if (isAbort(e)) deliver(false);
    throw e;
  }
  deliver(true);
  return missing.length;
}

/** The full run's accuracy and confidences, with the least latency of all passes. */
function measured(r: ProfileRecord, latencyMsPerSample: number, speedup: number): Measured {
  return {
    accuracy: r.accuracy,
    speedup,
    latencyMsPerSample,
    latencyMsPerBatch: r.latencyMsPerBatch,
    confidence: [r.confidence, ...r.confidence.perClass].map(triple),
  };
}

/** Means over an empty set are null in the profile; the HPVM text needs numbers, and 0 says "none". */
const triple = (c: ConfidenceStats): ConfidenceTriple => ({ mean: c.mean ?? 0, correct: c.correct ?? 0, wrong: c.wrong ?? 0 });
