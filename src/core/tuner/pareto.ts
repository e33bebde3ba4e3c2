/**
 * The speedup/QoS-loss frontier of src/core/DESIGN.md §3: strict Pareto front over (speedup ↑, loss ↓), the points
 * nearest to it (predicted and measured QoS disagree, so near-front candidates are worth validating), and
 * the thinning that keeps a frontier short enough to ship and to adapt over.
 */
export interface TradeOff {
  speedup: number;
  loss: number;
}

/** a dominates b: at least as fast and as accurate, and strictly better in one. */
export function dominates(a: TradeOff, b: TradeOff): boolean {
  return a.speedup >= b.speedup && a.loss <= b.loss && (a.speedup > b.speedup || a.loss < b.loss);
}

/** The non-dominated points, sorted by increasing loss (and so increasing speedup); duplicates kept once. */
export function paretoFront<T extends TradeOff>(points: readonly T[]): T[] {
  const sorted = [...points].sort((a, b) => a.loss - b.loss || b.speedup - a.speedup);
  const front: T[] = [];
  for (const p of sorted) {
    if (front.length === 0 || p.speedup > front[front.length - 1].speedup) front.push(p);
  }
  return front;
}

/**
 * Distance from p to the front's staircase, in units where the ranges of speedup and loss over all points
 * are 1: how much p would have to improve to become non-dominated.
 */
function distanceToFront(p: TradeOff, front: readonly TradeOff[], scale: TradeOff): number {
  let best = Infinity;
  for (const f of front) {
    if (!dominates(f, p)) continue;
    const ds = (f.speedup - p.speedup) / scale.speedup;
    const dl = (p.loss - f.loss) / scale.loss;
    best = Math.min(best, Math.min(ds, dl)); // improving either objective alone escapes f's dominance
  }
  return best === Infinity ? 0 : best;
}

/** The front plus the `extra` dominated points nearest to it. */
export function nearFront<T extends TradeOff>(points: readonly T[], extra: number): T[] {
  const front = paretoFront(points);
  if (extra <= 0) return front;
  const onFront = new Set<T>(front);
  const range = (f: (p: TradeOff) => number) =>
    Math.max(...points.map(f)) - Math.min(...points.map(f)) || 1;
  const scale = { speedup: range((p) => p.speedup), loss: range((p) => p.loss) };
  const rest = points
    .filter((p) => !onFront.has(p))
    .map((p) => ({ p, d: distanceToFront(p, front, scale) }))
    .sort((a, b) => a.d - b.d)
    .slice(0, extra)
    .map((x) => x.p);
  return [...front, ...rest].sort((a, b) => a.loss - b.loss || b.speedup - a.speedup);
}

/**
 * src/core/DESIGN.md §3 thinning of a front sorted by loss: a point is kept only if it gains more than
 * `minGain` speedup over the last kept one, and then replaces that one if their losses differ by at most
 * `lossTolerance` points (the faster of two equally lossy points is the one worth keeping).
 */
export function thinFront<T extends TradeOff>(front: readonly T[], minGain = 0.01, lossTolerance = 0.1): T[] {
  const kept: T[] = [];
  for (const p of [...front].sort((a, b) => a.loss - b.loss)) {
    const last = kept[kept.length - 1];
    if (!last) {
      kept.push(p);
    } else if (p.speedup - last.speedup > minGain) {
      if (p.loss - last.loss <= lossTolerance && kept.length > 1) kept[kept.length - 1] = p;
      else kept.push(p);
    }
  }
  return kept;
}

/** Hypervolume dominated by a front above (speedup 1, loss `maxLoss`): the area figure of merit of a tuning. */
export function hypervolume(front: readonly TradeOff[], maxLoss: number): number {
  const pts = paretoFront(front.filter((p) => p.loss <= maxLoss && p.speedup >= 1));
  let area = 0;
  for (let i = 0; i < pts.length; i++) {
    const nextLoss = i + 1 < pts.length ? pts[i + 1].loss : maxLoss;
    // between this point's loss and the next one's, the best reachable speedup is this point's
    area += (pts[i].speedup - 1) * (nextLoss - Math.max(pts[i].loss, 0));
  }
  return area;
}
