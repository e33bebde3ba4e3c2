/**
 * Empirical measurement of chosen configurations: full runs (no prefix reuse) on a sample set, so that the
 * accuracy and the latency are those a user of the configuration gets. The speedup is the exact
 * configuration's latency over the configuration's, both timed by the same runtime process.
 */
import { LayerInfo } from '../compile';
import { ConfidenceTriple } from '../knobs/configuration';
import { ConfidenceStats, LatencyStats, ProfileRecord } from '../runtime/mpxrun';
import { RunnerOptions, runChoices } from './runner';

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

export async function measureChoices(
  mpxm: string, set: { inputPath: string; labelsPath: string }, layers: readonly LayerInfo[],
  choices: readonly (readonly number[])[], runner: Omit<RunnerOptions, 'reusePrefix'>, workDir: string,
  onMeasured: (m: MeasuredRun) => void,
): Promise<void> {
  await runChoices(mpxm, set, layers, choices, runner, ({ choice, record, baseline }) => {
    const base = measured(baseline, baseline);
    onMeasured({ choice, ...measured(record, baseline), baseline: base });
  }, workDir);
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
