/** How a phase's work is cut into shards, at most `shards` of them, each worth a process's start-up. */
import { Pair } from '../profiles';

/**
 * The pairs in layer order cut into contiguous runs of about equal size: each shard covers a range of layers
 * (its first and last possibly in part), so that its process reuses the layers before each approximated one
 * and a model of 20 convolutions can still use more than 20 tasks.
 */
export function pairsByLayerRange(pairs: readonly Pair[], shards: number): Pair[][] {
  const sorted = [...pairs].sort((a, b) => a.layer - b.layer || a.knob - b.knob);
  const k = Math.max(1, Math.min(shards, sorted.length));
  return Array.from({ length: k }, (_, i) => sorted.slice(Math.floor((i * sorted.length) / k), Math.floor(((i + 1) * sorted.length) / k)))
    .filter((shard) => shard.length > 0);
}

/** Measurements at least this many choices each: every batch also times the exact configuration. */
export const MIN_MEASURE_BATCH = 4;

/** 0..n-1 in contiguous batches of nearly equal size, at least MIN_MEASURE_BATCH each where n allows. */
export function measureBatches(n: number, shards: number): number[][] {
  const k = Math.max(1, Math.min(shards, Math.floor(n / MIN_MEASURE_BATCH)));
  return Array.from({ length: k }, (_, b) => {
    const from = Math.floor((b * n) / k);
    const to = Math.floor(((b + 1) * n) / k);
    return Array.from({ length: to - from }, (_, i) => from + i);
  }).filter((batch) => batch.length > 0);
}
