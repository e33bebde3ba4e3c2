import { strict as assert } from 'node:assert';
import { hypervolume, nearFront, paretoFront, thinFront, TradeOff } from '../src/core/tuner/pareto';

const p = (speedup: number, loss: number, name = ''): TradeOff & { name: string } => ({ speedup, loss, name });

describe('Pareto front', () => {
  it('keeps exactly the non-dominated points, by increasing loss', () => {
    const pts = [p(1, 0, 'exact'), p(1.5, 0.2, 'a'), p(1.4, 0.5, 'dominated by a'), p(2, 1, 'b'), p(2, 1.5, 'dominated by b'), p(3, 3, 'c')];
    assert.deepEqual(paretoFront(pts).map((x) => x.name), ['exact', 'a', 'b', 'c']);
  });

  it('checks itself against a brute-force definition on random clouds', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 50; trial++) {
      const pts = Array.from({ length: 40 }, () => p(1 + Math.round(rand() * 20) / 10, Math.round(rand() * 30) / 10));
      const brute = pts.filter((a) => !pts.some((b) => b.speedup >= a.speedup && b.loss <= a.loss && (b.speedup > a.speedup || b.loss < a.loss)));
      const uniqueBrute = new Set(brute.map((x) => `${x.speedup}/${x.loss}`));
      assert.deepEqual(new Set(paretoFront(pts).map((x) => `${x.speedup}/${x.loss}`)), uniqueBrute);
    }
  });

  it('adds the nearest dominated points when asked', () => {
    const pts = [p(1, 0, 'exact'), p(2, 1, 'front'), p(1.95, 1.02, 'near'), p(1.1, 2.9, 'far')];
    assert.deepEqual(nearFront(pts, 1).map((x) => x.name), ['exact', 'front', 'near']);
  });

  it('thins as src/core/DESIGN.md §3 says: gain > 0.01, replace within 0.1 points', () => {
    const front = [p(1, 0, 'exact'), p(1.005, 0.01, 'no gain'), p(1.3, 0.3, 'a'), p(1.35, 0.35, 'a2 replaces a'), p(2, 1, 'b')];
    assert.deepEqual(thinFront(front).map((x) => x.name), ['exact', 'a2 replaces a', 'b']);
  });

  it('never lets thinning replace the exact baseline', () => {
    const front = [p(1, 0, 'exact'), p(1.2, 0.05, 'cheap')];
    assert.deepEqual(thinFront(front).map((x) => x.name), ['exact', 'cheap']);
  });

  it('measures the hypervolume of a staircase', () => {
    // gain 2−1 over losses 1..3 (area 2), then 3−1 over losses 3..4 (area 2)
    assert.equal(hypervolume([p(1, 0), p(2, 1), p(3, 3)], 4), 4);
    assert.equal(hypervolume([p(2, 0)], 1), 1);
  });
});
