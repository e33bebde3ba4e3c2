import { strict as assert } from 'node:assert';
import { CostModel } from '../src/core/tuner/costModel';
import { additiveFrontier, LayerOption } from '../src/core/tuner/frontierSearch';
import { paretoFront } from '../src/core/tuner/pareto';
import { P2Predictor } from '../src/core/tuner/predictors';
import { Profile, profileKey } from '../src/core/tuner/profiles';
import { predictiveCandidates } from '../src/core/tuner/search';

/** All assignments, for checking the dynamic program on problems small enough to enumerate. */
function bruteForce(layers: LayerOption[][], maxLoss: number): { cost: number; loss: number }[] {
  let all = [{ cost: 0, loss: 0 }];
  for (const options of layers) all = all.flatMap((s) => options.map((o) => ({ cost: s.cost + o.cost, loss: s.loss + o.loss })));
  const ok = all.filter((s) => s.loss <= maxLoss + 1e-12);
  return ok.filter((a) => !ok.some((b) => b.cost <= a.cost && b.loss <= a.loss && (b.cost < a.cost || b.loss < a.loss)));
}

function randomProblem(seed: number, layers: number, options: number): LayerOption[][] {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  return Array.from({ length: layers }, () => [
    { option: 0, cost: 10, loss: 0 },
    ...Array.from({ length: options - 1 }, (_, i) => ({
      option: i + 1, cost: Math.round(rand() * 100) / 10, loss: Math.round((rand() * 1.2 - 0.1) * 100) / 100,
    })),
  ]);
}

describe('additive frontier search', () => {
  it('finds exactly the brute-force Pareto front, negative losses included', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const problem = randomProblem(seed, 5, 4);
      const got = additiveFrontier(problem, 1.5);
      const want = bruteForce(problem, 1.5);
      const key = (p: { cost: number; loss: number }) => `${p.cost.toFixed(6)}/${p.loss.toFixed(6)}`;
      assert.deepEqual(new Set(got.map(key)), new Set(want.map(key)), `seed ${seed}`);
    }
  });

  it('returns choices whose sums are the reported cost and loss', () => {
    const problem = randomProblem(99, 6, 5);
    for (const p of additiveFrontier(problem, 2)) {
      const cost = p.choice.reduce((a, c, l) => a + problem[l].find((o) => o.option === c)!.cost, 0);
      const loss = p.choice.reduce((a, c, l) => a + problem[l].find((o) => o.option === c)!.loss, 0);
      assert.ok(Math.abs(cost - p.cost) < 1e-9 && Math.abs(loss - p.loss) < 1e-9);
    }
  });

  it('stays within the state cap on large problems and still finds cheap configurations', () => {
    const problem = randomProblem(5, 20, 30);
    const front = additiveFrontier(problem, 3, 500);
    assert.ok(front.length > 10 && front.length <= 500, `${front.length} points`);
    assert.ok(front.every((p) => p.loss <= 3));
    const cheapest = Math.min(...front.map((p) => p.cost));
    assert.ok(cheapest < 20 * 10, 'finds configurations cheaper than all-exact');
  });
});

describe('predictive candidates', () => {
  // Four layers; knob 231 is the cheapest on each and gains accuracy on the tuning set, the others lose.
  const knobs = [11, 121, 123, 231];
  const deltas: Record<number, number> = { 121: -0.8, 123: -1.5, 231: +0.5 };
  const costs: CostModel = { source: 'nominal', fixed: 0, layers: [0, 1, 2, 3].map(() => ({ 11: 10, 121: 6, 123: 5, 231: 4 })) };
  const single = new Map<string, Profile>();
  for (let l = 0; l < 4; l++) for (const k of knobs.slice(1)) single.set(profileKey(l, k), { accuracy: 90 + deltas[k] + l * 0.1, correct: 0 });
  const p2 = new P2Predictor({ exact: { accuracy: 90, correct: 0 }, single, profiled: 0, cached: 0 });
  const space = { layers: [], costs, options: [0, 1, 2, 3].map(() => knobs) };

  it('looks beyond a front that gains dominate: near-front neighbours within the loss bound', () => {
    const candidates = predictiveCandidates(space, p2, 3, undefined, 16);
    const front = paretoFront(candidates);
    assert.equal(front.length, 1, 'the all-231 configuration is faster and more accurate than any other');
    assert.deepEqual(front[0].choice, [231, 231, 231, 231]);
    assert.equal(candidates.length, 17, 'the front and 16 points nearest to it');
    for (const c of candidates) {
      assert.ok(c.loss <= 3);
      const loss = 90 - p2.accuracy(c.choice);
      assert.ok(Math.abs(c.loss - loss) < 1e-9, `${c.choice} is scored by P2`);
    }
    const differing = (c: { choice: number[] }) => c.choice.filter((k) => k !== 231).length;
    assert.ok(candidates.some((c) => differing(c) === 1), 'one-knob neighbours of the front are among them');
    assert.ok(candidates.some((c) => differing(c) === 2), 'and two-knob ones');
  });
});
