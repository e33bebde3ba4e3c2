/** How a phase's work is cut into shards, at most `shards` of them, each worth a process's start-up. */
import { Pair } from '../profiles';

/**
 * The pairs in contiguous layer ranges of about equal size; a layer's pairs stay together (its knobs share
 * the layers before it, which the runtime reuses within a process).
 */
export function pairsByLayerRange(pairs: readonly Pair[], shards: number): Pair[][] {
  const sorted = [...pairs].sort((a, b) => a.layer - b.layer || a.knob - b.knob);
  const target = Math.ceil(sorted.length / Math.max(1, shards));
  const out: Pair[][] = [];
  let current: Pair[] = [];
  for (let i = 0; i < sorted.length; i++) {
    current.push(sorted[i]);
    const layerEnds = i + 1 === sorted.length || sorted[i + 1].layer !== sorted[i].layer;
    if (layerEnds && current.length >= target) out.push(current), (current = []);
  }
  if (current.length > 0) out.push(current);
  return out;
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
