/**
 * Empirical measurement of chosen configurations: full runs (no prefix reuse) on a sample set, so that the
 * accuracy and the latency are those a user of the configuration gets. The speedup is the exact
 * configuration's latency over the configuration's, both timed by the same runtime process. Measurements
 * may be remembered on disk, so that rerunning a tuning does not run its candidates again.
 */
import { LayerInfo } from '../compile';
import { ConfidenceTriple } from '../knobs/configuration';
import { ConfidenceStats, LatencyStats, ProfileRecord } from '../runtime/mpxrun';
import { DiskCache } from './cache';
import { choiceKey } from './knobSpace';
import { RunnerOptions, runChoices } from './runner';
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

/**
 * Measures the choices, delivering each as it completes; with a cache, a choice measured before (same
 * model, set, host and runtime settings) is delivered from it without running. Returns how many ran.
 */
export async function measureChoices(
  mpxm: string, set: { inputPath: string; labelsPath: string }, layers: readonly LayerInfo[],
  choices: readonly (readonly number[])[], runner: Omit<RunnerOptions, 'reusePrefix'>, workDir: string,
  onMeasured: (m: MeasuredRun) => void, remember?: MeasurementCache,
): Promise<number> {
  const name = (choice: readonly number[]) => `${remember!.key}-${sha256(Buffer.from(choiceKey(choice))).slice(0, 24)}.json`;
  const missing: number[] = [];
  choices.forEach((choice, i) => {
    const hit = remember?.cache.readJson<MeasuredRun>(name(choice));
    if (hit) onMeasured({ ...hit, choice: i });
    else missing.push(i);
  });
  await runChoices(mpxm, set, layers, missing.map((i) => choices[i]), runner, ({ choice, record, baseline }) => {
    const m: MeasuredRun = { choice: missing[choice], ...measured(record, baseline), baseline: measured(baseline, baseline) };
    remember?.cache.writeJson(name(choices[m.choice]), m);
    onMeasured(m);
  }, workDir);
  return missing.length;
}

function measured(r: ProfileRecord, baseline: ProfileRecord): Measured {
  return {
    accuracy: r.accuracy,
    speedup: baseline.latencyMsPerSample / r.latencyMsPerSample,
    latencyMsPerSample: r.latencyMsPerSample,
    latencyMsPerBatch: r.latencyMsPerBatch,
    confidence: [r.confidence, ...r.confidence.perClass].map(triple),
  };
}

/** Means over an empty set are null in the profile; the HPVM text needs numbers, and 0 says "none". */
const triple = (c: ConfidenceStats): ConfidenceTriple => ({ mean: c.mean ?? 0, correct: c.correct ?? 0, wrong: c.wrong ?? 0 });
