import { strict as assert } from 'node:assert';
import { CostModel, offeredKnobs } from '../src/core/tuner/costModel';
import { LayerInfo } from '../src/core/compile';
import { additiveFrontier, LayerOption } from '../src/core/tuner/frontierSearch';
import { paretoFront } from '../src/core/tuner/pareto';
import { P1Predictor, P2Predictor } from '../src/core/tuner/predictors';
import { Profile, profileKey } from '../src/core/tuner/profiles';
import { backOff, predictiveCandidates } from '../src/core/tuner/search';

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

describe('knobs offered by the cost model', () => {
  it('withholds a knob that saves under 2 % of its layer, or costs more, and keeps the exact one', () => {
    const layers = [{ knobs: [11, 121, 231, 311] }, { knobs: [11, 121] }] as unknown as LayerInfo[];
    const costs: CostModel = { source: 'host', fixed: 0, layers: [{ 11: 1, 121: 0.99, 231: 0.97, 311: 1.4 }, { 11: 2, 121: 0.5 }] };
    assert.deepEqual(offeredKnobs(layers, costs), [[11, 231], [11, 121]]);
  });
});

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
      // P2 with the gains left out: each layer's knob counts its accuracy drop only.
      const loss = c.choice.reduce((sum, k, l) => sum + Math.max(0, -p2.delta(l, k)), 0);
      assert.ok(Math.abs(c.loss - loss) < 1e-9, `${c.choice} is scored by P2's drops`);
    }
    const differing = (c: { choice: number[] }) => c.choice.filter((k) => k !== 231).length;
    assert.ok(candidates.some((c) => differing(c) === 1), 'one-knob neighbours of the front are among them');
    assert.ok(candidates.some((c) => differing(c) === 2), 'and two-knob ones');
  });
});

describe('predictive candidates under P1', () => {
  // Ten samples of two classes, all of class 0 with margins 0.55, 0.65, … 1.45. Knob 121 moves 0.1 of every
  // margin to class 1, knob 123 moves 0.25: alone, neither flips a sample, so P2 sees no loss at all; together
  // they compound, and the all-123 configuration P2 likes best gets every sample wrong.
  const samples = 10;
  const exact = new Float32Array(2 * samples);
  for (let s = 0; s < samples; s++) exact[2 * s] = 0.55 + 0.1 * s;
  const shifted = (d: number) => exact.map((v, i) => (i % 2 === 0 ? v - d : v + d));
  const labels = new Int32Array(samples);
  const single = new Map<string, Profile>();
  for (let l = 0; l < 4; l++) {
    single.set(profileKey(l, 121), { accuracy: 100, correct: samples, outputs: shifted(0.1) });
    single.set(profileKey(l, 123), { accuracy: 100, correct: samples, outputs: shifted(0.25) });
  }
  const profiles = { exact: { accuracy: 100, correct: samples, outputs: exact }, single, profiled: 0, cached: 0 };
  const p1 = new P1Predictor(profiles, labels);
  const p2 = new P2Predictor(profiles);
  const costs: CostModel = { source: 'nominal', fixed: 0, layers: [0, 1, 2, 3].map(() => ({ 11: 10, 121: 6, 123: 5 })) };
  const space = { layers: [], costs, options: [0, 1, 2, 3].map(() => [11, 121, 123]) };

  it('finds approximations within the bound where P2\'s favourites all fail, each scored by P1', () => {
    assert.equal(100 - p1.accuracy([123, 123, 123, 123]), 100, 'the premise: knobs compound under P1');
    const candidates = predictiveCandidates(space, p2, 30, p1);
    assert.ok(candidates.length > 0);
    for (const c of candidates) {
      assert.ok(Math.abs(c.loss - (100 - p1.accuracy(c.choice))) < 1e-9, `${c.choice} is scored by P1`);
      assert.ok(c.loss <= 30, `${c.choice} within the bound`);
    }
    const fastest = Math.max(...candidates.map((c) => c.speedup));
    // Three samples may flip: knobs 123 + 121 on two layers (a shift of 0.35) fit, a third knob does not.
    assert.ok(fastest >= 40 / 31 - 1e-9, `fastest ${fastest.toFixed(3)}: two layers approximated`);
  });
});

describe('backing off from configurations that failed validation', () => {
  // Eight layers; each knob's single-knob loss and saving differ, so the ranking is known: saving / (drop + 0.1).
  const drops = [0, 0.5, 0.1, 2, 0, 1, 0.3, 0.05];
  const savings = [4, 4, 1, 6, 1, 2, 3, 5];
  const single = new Map<string, Profile>();
  drops.forEach((d, l) => single.set(profileKey(l, 231), { accuracy: 90 - d, correct: 0 }));
  const p2 = new P2Predictor({ exact: { accuracy: 90, correct: 0 }, single, profiled: 0, cached: 0 });
  const costs: CostModel = { source: 'host', fixed: 0, layers: savings.map((s) => ({ 11: 10, 231: 10 - s })) };
  const space = { layers: [], costs, options: drops.map(() => [11, 231]) };

  it('halves the failed configuration again and again, keeping the knobs that save the most per point of loss', () => {
    const failed = { choice: drops.map(() => 231), loss: 1, speedup: 80 / (80 - 26) };
    const backed = backOff(space, p2, [failed]);
    // ranked by saving / (drop + 0.1): l0 40, l7 33, l4 10, l6 7.5, l1 6.7, l2 5, l3 2.9, l5 1.8
    assert.deepEqual(backed.map((c) => c.choice.map((k, l) => (k === 231 ? l : -1)).filter((l) => l >= 0)),
      [[0, 4, 6, 7], [0, 7], [0]]);
    for (const c of backed) {
      const loss = c.choice.reduce((sum, k, l) => sum + (k === 231 ? drops[l] : 0), 0);
      assert.ok(Math.abs(c.loss - loss) < 1e-9, `${c.choice} scored by P2's drops without P1`);
      assert.ok(c.speedup > 1 && c.speedup < failed.speedup);
    }
  });
});
