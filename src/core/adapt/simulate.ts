/**
 * Replays a strategy over a trace (src/core/DESIGN.md §6): at each sample the strategy's current configuration
 * "runs" (its recorded prediction and confidence are looked up), the strategy sees that output and picks
 * the configuration for the next sample. Context, when the trace has it, is applied before each sample so
 * that the rules govern the configuration that sample runs on.
 */
import { MobiproxError } from '../errors';
import { ContextRules } from './contextRules';
import { AdaptationStrategy } from './engine';
import { Trace } from './trace';

/** Sums from which every ratio is derived, so that traces can be pooled exactly. */
export interface SimulationCounts {
  samples: number;
  correct: number;
  exactCorrect: number;
  /** Samples where the chosen configuration predicts what the exact one predicts. */
  agreeing: number;
  switches: number;
  /** Σ chosen configuration's cost relative to the exact one's (whose total would be `samples`). */
  cost: number;
  /** Σ chosen configuration's relative energy; undefined once a chosen configuration has none. */
  energy?: number;
  /** Samples run at each configuration. */
  visits: number[];
}

export interface SimulationSummary {
  /** Percent. */
  accuracy: number;
  exactAccuracy: number;
  /** exactAccuracy − accuracy, in points. */
  loss: number;
  agreement: number;
  relativeCost: number;
  relativeEnergy?: number;
  switches: number;
  /** Fraction of samples run at each configuration. */
  share: number[];
}

export interface SimulationResult extends SimulationSummary {
  trace: string;
  counts: SimulationCounts;
  /** Configuration each sample ran on, and whether its prediction was right. */
  timeline: { index: Int32Array; correct: Uint8Array };
}

export function simulate(trace: Trace, strategy: AdaptationStrategy): SimulationResult {
  const n = checkTrace(trace);
  const configs = trace.costs.length;
  const index = new Int32Array(n);
  const correct = new Uint8Array(n);
  const counts: SimulationCounts = {
    samples: n, correct: 0, exactCorrect: 0, agreeing: 0, switches: 0, cost: 0,
    energy: trace.energies?.[0] === undefined ? undefined : 0, visits: new Array<number>(configs).fill(0),
  };
  const rules = trace.context && strategy instanceof ContextRules ? strategy : undefined;
  for (let t = 0; t < n; t++) {
    if (rules) rules.setContext(trace.context![t]);
    const k = strategy.index;
    if (!Number.isInteger(k) || k < 0 || k >= configs) {
      throw new MobiproxError(`The strategy chose configuration ${k} at sample ${t} of ${trace.name}, which has ${configs}.`, { value: k });
    }
    const prediction = trace.predictions[k][t];
    const label = trace.labels[t];
    index[t] = k;
    correct[t] = prediction === label ? 1 : 0;
    counts.correct += correct[t];
    if (trace.predictions[0][t] === label) counts.exactCorrect++;
    if (prediction === trace.predictions[0][t]) counts.agreeing++;
    if (t > 0 && k !== index[t - 1]) counts.switches++;
    counts.cost += trace.costs[k] / trace.costs[0];
    const e = trace.energies?.[k];
    counts.energy = counts.energy === undefined || e === undefined ? undefined : counts.energy + e / trace.energies![0]!;
    counts.visits[k]++;
    strategy.next({ prediction, confidence: trace.confidences[k][t] });
  }
  return { trace: trace.name, ...summarize(counts), counts, timeline: { index, correct } };
}

/** Ratios of a count set; relative cost and energy are against the exact configuration (cost 1). */
export function summarize(c: SimulationCounts): SimulationSummary {
  const percent = (k: number) => (c.samples > 0 ? (100 * k) / c.samples : NaN);
  const summary: SimulationSummary = {
    accuracy: percent(c.correct),
    exactAccuracy: percent(c.exactCorrect),
    loss: percent(c.exactCorrect) - percent(c.correct),
    agreement: percent(c.agreeing),
    relativeCost: c.cost / c.samples,
    switches: c.switches,
    share: c.visits.map((v) => v / c.samples),
  };
  if (c.energy !== undefined) summary.relativeEnergy = c.energy / c.samples;
  return summary;
}

export interface Aggregate {
  /** All samples of all traces together. */
  pooled: SimulationSummary;
  /** Each metric averaged over traces, every trace weighing the same. */
  meanPerTrace: SimulationSummary;
}

export function aggregate(results: SimulationResult[]): Aggregate {
  if (results.length === 0) throw new MobiproxError('There are no simulation results to aggregate.');
  const configs = results[0].counts.visits.length;
  const total: SimulationCounts = {
    samples: 0, correct: 0, exactCorrect: 0, agreeing: 0, switches: 0, cost: 0, energy: 0, visits: new Array<number>(configs).fill(0),
  };
  for (const { counts: c } of results) {
    total.samples += c.samples;
    total.correct += c.correct;
    total.exactCorrect += c.exactCorrect;
    total.agreeing += c.agreeing;
    total.switches += c.switches;
    total.cost += c.cost;
    total.energy = total.energy === undefined || c.energy === undefined ? undefined : total.energy + c.energy;
    c.visits.forEach((v, k) => (total.visits[k] += v));
  }
  const mean = (f: (s: SimulationSummary) => number) => results.reduce((sum, r) => sum + f(r), 0) / results.length;
  const meanPerTrace: SimulationSummary = {
    accuracy: mean((r) => r.accuracy),
    exactAccuracy: mean((r) => r.exactAccuracy),
    loss: mean((r) => r.loss),
    agreement: mean((r) => r.agreement),
    relativeCost: mean((r) => r.relativeCost),
    switches: mean((r) => r.switches),
    share: total.visits.map((_, k) => mean((r) => r.share[k])),
  };
  if (results.every((r) => r.relativeEnergy !== undefined)) meanPerTrace.relativeEnergy = mean((r) => r.relativeEnergy!);
  return { pooled: summarize(total), meanPerTrace };
}

function checkTrace(trace: Trace): number {
  const n = trace.labels.length;
  const configs = trace.costs.length;
  if (configs === 0) throw new MobiproxError(`Trace ${trace.name} has no configurations.`);
  if (trace.predictions.length !== configs || trace.confidences.length !== configs) {
    throw new MobiproxError(`Trace ${trace.name} has ${configs} costs but predictions for ${trace.predictions.length} and confidences for ${trace.confidences.length} configurations.`);
  }
  trace.predictions.forEach((p, k) => {
    if (p.length !== n || trace.confidences[k].length !== n) {
      throw new MobiproxError(`Configuration ${k} of trace ${trace.name} has ${p.length} predictions and ${trace.confidences[k].length} confidences for ${n} samples.`);
    }
  });
  if (trace.context && trace.context.length !== n) throw new MobiproxError(`Trace ${trace.name} has context for ${trace.context.length} of its ${n} samples.`);
  return n;
}
