/**
 * What a strategy's replay (simulate.ts) is uncertain by: its per-sample outcomes over the traces, for the
 * bootstrap of accuracy, loss and agreement (stats/outcomeIntervals.ts), and the interval of its relative
 * cost from the configurations' measured speedups.
 */
import { MobiproxError } from '../errors';
import { Interval } from '../runtime/mpxrunRecords';
import { TraceOutcomes } from '../stats/outcomeIntervals';
import { SimulationResult } from './simulate';
import { Trace } from './trace';

/** The prediction of the configuration the strategy chose at each sample, beside the exact one's. */
export function replayOutcomes(trace: Trace, result: SimulationResult): TraceOutcomes {
  const index = result.timeline.index;
  if (index.length !== trace.labels.length) {
    throw new MobiproxError(`The replay ${result.trace} has ${index.length} steps for the ${trace.labels.length} samples of trace ${trace.name}.`);
  }
  return { predicted: Array.from(index, (k, t) => trace.predictions[k][t]), exact: trace.predictions[0], labels: trace.labels };
}

/**
 * Σ share_k / speedup_k over the configurations a replay ran (share: fraction of samples at each), with
 * every speedup at the high end of its interval for the low end and at the low end for the high one: all
 * at the same end at once, which is conservative, and what the speedups reach when their errors move
 * together (each is a ratio to configuration 0's time in the same rounds: README, "How speed is
 * measured"). Configuration 0 is the exact one: cost 1.
 */
export function relativeCostInterval(share: number[], speedups: Interval[]): Interval {
  if (share.length !== speedups.length) throw new MobiproxError(`${share.length} shares for ${speedups.length} speedups.`);
  const perSample = (k: number, pick: (s: Interval) => number) => {
    const s = pick(speedups[k]);
    if (!(s > 0)) throw new MobiproxError(`Configuration ${k} has speedup ${s}: no relative cost.`, { value: s });
    return 1 / s;
  };
  const cost = (pick: (s: Interval) => number) => share.reduce((sum, f, k) => sum + (k === 0 ? f : f === 0 ? 0 : f * perSample(k, pick)), 0);
  return { estimate: cost((s) => s.estimate), low: cost((s) => s.high), high: cost((s) => s.low) };
}
