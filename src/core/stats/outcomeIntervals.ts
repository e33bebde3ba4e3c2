/**
 * 95 % intervals of the figures a run over labelled traces is summed up by — accuracy, the loss against the
 * exact configuration, agreement with it — from per-sample outcomes, by the block bootstrap (bootstrap.ts).
 * The loss is resampled as per-sample differences (exact right − run right) on the same samples: the two
 * accuracies are correlated, and pairing keeps the samples both get right or wrong out of the noise.
 */
import { MobiproxError } from '../errors';
import { Interval } from '../runtime/mpxrunRecords';
import { BootstrapOptions, blockBootstrapMean } from './bootstrap';

/** One trace's per-sample predictions of a run and of the exact configuration, with the labels. */
export interface TraceOutcomes {
  predicted: ArrayLike<number>;
  exact: ArrayLike<number>;
  labels: ArrayLike<number>;
}

/** In percent and points, as the report's tables print them; estimates are the pooled figures. */
export interface OutcomeIntervals {
  accuracy: Interval;
  loss: Interval;
  agreement: Interval;
}

export function outcomeIntervals(traces: TraceOutcomes[], options: BootstrapOptions = {}): OutcomeIntervals {
  traces.forEach((t, s) => {
    if (t.predicted.length !== t.labels.length || t.exact.length !== t.labels.length) {
      throw new MobiproxError(`Trace ${s} has ${t.predicted.length} predictions and ${t.exact.length} exact ones for ${t.labels.length} labels.`);
    }
  });
  const per = (f: (t: TraceOutcomes, i: number) => number) => traces.map((t) => Float64Array.from({ length: t.labels.length }, (_, i) => f(t, i)));
  const right = (p: ArrayLike<number>, t: TraceOutcomes, i: number) => (p[i] === t.labels[i] ? 100 : 0);
  return {
    accuracy: blockBootstrapMean(per((t, i) => right(t.predicted, t, i)), options),
    loss: blockBootstrapMean(per((t, i) => right(t.exact, t, i) - right(t.predicted, t, i)), options),
    agreement: blockBootstrapMean(per((t, i) => (t.predicted[i] === t.exact[i] ? 100 : 0)), options),
  };
}
