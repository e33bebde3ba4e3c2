/**
 * The report's intervals (how each is computed: METHODS): the device frontier's accuracy and loss and every
 * strategy's accuracy, loss and agreement by the block bootstrap of their per-sample outcomes (one trace per
 * subject where the device set has subjects), relative costs from the configurations' device speedup intervals.
 */
import { Aggregate, relativeCostInterval, replayOutcomes, SimulationResult, Trace } from '../../src/core/adapt';
import { ConfigurationSet } from '../../src/core/knobs/configurationSet';
import { Interval } from '../../src/core/runtime/mpxrunRecords';
import { BootstrapOptions } from '../../src/core/stats/bootstrap';
import { OutcomeIntervals, outcomeIntervals, TraceOutcomes } from '../../src/core/stats/outcomeIntervals';

export const BOOTSTRAP: Required<Omit<BootstrapOptions, 'block'>> = { seed: 1, resamples: 2000 };

/** How each interval is computed, one sentence each, for the report and results.json. */
export const METHODS = {
  level: '95 %',
  speedup: 'Host and device speedups: the runtime\'s measurement (mpx_measure) — the median over interleaved rounds of the exact configuration\'s CPU time over the configuration\'s in the same round, with the distribution-free interval of that median (order statistics of ranks n/2 ∓ 0.98√n over the rounds).',
  tuningLoss: 'Tuning loss: the tuner\'s paired interval (mean of per-sample differences exact right − configuration right on the tuning rows, normal approximation).',
  deviceOutcomes: `Device loss (and in results.json device accuracy and agreement), and every strategy's accuracy, loss and agreement: percentile bootstrap (${BOOTSTRAP.resamples} resamples, seed ${BOOTSTRAP.seed}) of the per-sample outcomes recorded on the device or replayed in the simulation, the loss as per-sample differences exact right − chosen configuration right on the same samples (paired); circular blocks of ⌈n^(1/3)⌉ consecutive samples within each trace (a subject's windows overlap by half, utterances follow the noise schedule, a strategy's choice depends on the samples before), each trace keeping its length.`,
  relativeCost: 'Relative cost (pooled and mean of traces): Σ share_k / speedup_k over the configurations the strategy ran, every device speedup at the same end of its interval (a conservative bound); the samples\' own variation is not in it.',
  none: 'Predicted figures (the cost model\'s and the QoS predictor\'s), host test accuracy and switch counts have no interval: the first are not measurements, the tuner keeps no per-sample outcomes of its test runs (results.json has its paired test loss interval, host.testQosLossInterval), and a replay of a trace is deterministic.',
};

export interface StrategyIntervals extends OutcomeIntervals {
  relativeCost: Interval;
  meanPerTraceCost: Interval;
}

/** Per configuration, the device accuracy and loss; undefined when the device recorded no per-sample predictions. */
export function deviceIntervals(set: ConfigurationSet, labels: ArrayLike<number>, groups?: ArrayLike<number>): OutcomeIntervals[] | undefined {
  const exact = set.configurations[0].samples?.predictions;
  if (!exact || set.configurations.some((c) => c.samples?.predictions.length !== labels.length)) return undefined;
  const rows = groupRows(labels.length, groups);
  const pick = (a: ArrayLike<number>, r: number[]) => r.map((t) => a[t]);
  return set.configurations.map((c) => outcomeIntervals(
    rows.map((r): TraceOutcomes => ({ predicted: pick(c.samples!.predictions, r), exact: pick(exact, r), labels: pick(labels, r) })), BOOTSTRAP,
  ));
}

/** A strategy's replay of `traces` (results[s] of traces[s]), on a device-profiled set. */
export function strategyIntervals(set: ConfigurationSet, traces: Trace[], results: SimulationResult[], summary: Aggregate): StrategyIntervals {
  const speedups = set.configurations.map((c) => c.device!.timing!.speedup);
  return {
    ...outcomeIntervals(traces.map((t, s) => replayOutcomes(t, results[s])), BOOTSTRAP),
    relativeCost: relativeCostInterval(summary.pooled.share, speedups),
    meanPerTraceCost: relativeCostInterval(summary.meanPerTrace.share, speedups),
  };
}

/** Sample indices per group, groups in order of first appearance (as splitTrace orders its traces). */
function groupRows(n: number, groups?: ArrayLike<number>): number[][] {
  if (!groups) return [Array.from({ length: n }, (_, t) => t)];
  const rows = new Map<number, number[]>();
  for (let t = 0; t < n; t++) {
    const g = Number(groups[t]);
    if (!rows.has(g)) rows.set(g, []);
    rows.get(g)!.push(t);
  }
  return [...rows.values()];
}
