/**
 * Percentile intervals of a mean over per-sample values of time-ordered traces (a strategy's replay, a
 * device set recorded in order): a circular block bootstrap within each trace. Neighbouring samples of a
 * trace are not independent — UCI-HAR windows overlap by half, speech follows the noise schedule, and an
 * adaptive strategy's choice depends on the samples before — so resampling single samples would call a
 * figure surer than it is; resampling runs of consecutive samples keeps that dependence. Each trace keeps
 * its length, so the pooled mean weighs the traces as the estimate does. Seeded: the same values give the
 * same interval on every machine.
 */
import { MobiproxError } from '../errors';
import { mulberry32 } from '../data/rowOrder';
import { Interval } from '../runtime/mpxrunRecords';

export interface BootstrapOptions {
  /** Seed of the resampling (default 1). */
  seed?: number;
  /** Resampled means (default 2000). */
  resamples?: number;
  /** Samples per block; default ⌈n^(1/3)⌉ per trace (the rate that suits a variance, Hall et al. 1995). 1: plain bootstrap. */
  block?: number;
}

/** Block length of a trace of n samples when none is given. */
export const defaultBlock = (n: number): number => Math.max(1, Math.ceil(Math.cbrt(n)));

/**
 * The pooled mean of `traces` (Σ values / Σ lengths) with its 95 % percentile interval: each resample
 * rebuilds every trace from blocks of consecutive samples (wrapping at its end) that start anywhere.
 */
export function blockBootstrapMean(traces: ArrayLike<number>[], options: BootstrapOptions = {}): Interval {
  const resamples = options.resamples ?? 2000;
  if (!Number.isInteger(resamples) || resamples < 1) throw new MobiproxError(`The bootstrap needs a positive whole number of resamples, not ${resamples}.`, { value: resamples });
  if (options.block !== undefined && !(Number.isInteger(options.block) && options.block >= 1)) {
    throw new MobiproxError(`A bootstrap block is a positive whole number of samples, not ${options.block}.`, { value: options.block });
  }
  const total = traces.reduce((s, t) => s + t.length, 0);
  if (total === 0) throw new MobiproxError('The bootstrap has no samples: every trace is empty.');
  // prefix[s][i]: sum of trace s's first i values over the trace read twice, so that a wrapping block is one difference.
  const prefix = traces.map((t, s) => {
    const p = new Float64Array(2 * t.length + 1);
    for (let i = 0; i < 2 * t.length; i++) {
      const v = t[i % t.length];
      if (!Number.isFinite(v)) throw new MobiproxError(`Value ${i % t.length} of trace ${s} is ${v}: the bootstrap needs finite values.`, { value: v });
      p[i + 1] = p[i] + v;
    }
    return p;
  });
  const estimate = prefix.reduce((s, p, k) => s + p[traces[k].length], 0) / total;
  const next = mulberry32(options.seed ?? 1);
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    traces.forEach((t, s) => {
      const n = t.length;
      const block = Math.min(n, options.block ?? defaultBlock(n));
      for (let filled = 0; filled < n; filled += block) {
        const start = Math.floor(next() * n);
        const length = Math.min(block, n - filled);
        sum += prefix[s][start + length] - prefix[s][start];
      }
    });
    means[r] = sum / total;
  }
  means.sort();
  return { estimate, low: quantile(means, 0.025), high: quantile(means, 0.975) };
}

/** The q-quantile of sorted values, interpolated between order statistics. */
function quantile(sorted: Float64Array, q: number): number {
  const at = q * (sorted.length - 1);
  const below = Math.floor(at);
  const above = Math.min(sorted.length - 1, below + 1);
  return sorted[below] + (at - below) * (sorted[above] - sorted[below]);
}
