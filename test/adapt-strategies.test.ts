import { strict as assert } from 'node:assert';
import {
  BudgetStrategy, ConfidenceDrivenStrategy, confidenceThresholds, ContextRules, createStrategy, IndexStepper,
  NaiveStrategy, StateDrivenStrategy,
} from '../src/core/adapt';
import { AdaptationStrategy, Observation } from '../src/core/adapt/engine';
import { StrategySpec } from '../src/core/adapt/strategies';
import { MobiproxError } from '../src/core/errors';
import { Random } from './support/random';

/** Feeds observations one by one and records the index returned after each. */
function run(s: AdaptationStrategy, observations: Observation[]): number[] {
  return observations.map((o) => s.next(o));
}
const preds = (...p: number[]): Observation[] => p.map((prediction) => ({ prediction, confidence: 1 }));
const obs = (...pairs: [number, number][]): Observation[] => pairs.map(([prediction, confidence]) => ({ prediction, confidence }));

describe('adaptation: index stepper (src/core/DESIGN.md §6 "more" and "less")', () => {
  it('adds a doubling step, clamps at the last index, and halves with a step reset', () => {
    const s = new IndexStepper(20, 'exponential');
    // more: 0+1=1 (step 2), 1+2=3 (4), 3+4=7 (8), 7+8=15 (16), 15+16 → clamp 19
    assert.deepEqual([s.more(), s.more(), s.more(), s.more(), s.more()], [1, 3, 7, 15, 19]);
    // less: 19/2 = 9, step back to 1; more: 10 (step 2), 12
    assert.deepEqual([s.less(), s.more(), s.more()], [9, 10, 12]);
  });

  it('keeps a linear step at 1', () => {
    const s = new IndexStepper(5, 'linear');
    assert.deepEqual([s.more(), s.more(), s.more(), s.more(), s.more(), s.less(), s.less(), s.less()], [1, 2, 3, 4, 4, 2, 1, 0]);
  });

  it('clamps halving to the allowed minimum and moves the index into a new range', () => {
    const s = new IndexStepper(10);
    assert.equal(s.restrict(6, 9), 6); // 0 is below the range
    assert.equal(s.less(), 6); // 6/2 = 3 < min 6
    assert.equal(s.restrict(0, 2), 2); // 6 is above the range
    assert.equal(s.lowest(), 0);
    assert.throws(() => s.restrict(3, 10), MobiproxError);
    assert.throws(() => s.restrict(2, 1), MobiproxError);
  });
});

describe('adaptation: naive strategy', () => {
  it('moves more on a repeated prediction and less on a change (linear)', () => {
    // t0 nothing to compare: 0; t1,t2 repeat: 1, 2; t3 change: 2/2 = 1; t4..t6 repeat: 2, 3, 4;
    // t7..t9 repeat at the last index 4: stays 4
    assert.deepEqual(run(new NaiveStrategy(5), preds(1, 1, 1, 2, 2, 2, 2, 2, 2, 2)), [0, 1, 2, 1, 2, 3, 4, 4, 4, 4]);
  });

  it('grows its step exponentially and resets it on a change', () => {
    // 0; +1 → 1; +2 → 3; +4 → 7; +8 → 15 clamps to 9; change: 9/2 = 4, step 1; +1 → 5; +2 → 7
    assert.deepEqual(run(new NaiveStrategy(10, 'exponential'), preds(0, 0, 0, 0, 0, 1, 1, 1)), [0, 1, 3, 7, 9, 4, 5, 7]);
  });
});

describe('adaptation: state-driven strategy', () => {
  it('votes once the FIFO of 3 is full and moves at |V| = 2', () => {
    // t0,t1 FIFO not full: 0, 0; t2 [000] V=1; t3 V=2 → more 1, V=0; t4 V=1; t5 V=2 → more 2;
    // t6 [001] V=−1; t7 [011] V=−2 → less 2/2 = 1; t8 [111] V=1; t9 V=2 → more 2; t10 V=1
    assert.deepEqual(run(new StateDrivenStrategy(6), preds(0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1)), [0, 0, 0, 1, 1, 2, 2, 1, 1, 2, 2]);
  });

  it('restarts a positive vote from 0 after negative ones (V = max(0, V) + 1)', () => {
    // V_L = 3: [000] V=1, 2, 3 → more 1; [001] V=−1; [011] V=−2; [111] V=max(0,−2)+1 = 1 (not −1); 2; 3 → more 2
    const s = new StateDrivenStrategy(4, { voteLimit: 3 });
    assert.deepEqual(run(s, preds(0, 0, 0, 0, 0, 1, 1, 1, 1, 1)), [0, 0, 0, 0, 1, 1, 1, 1, 1, 2]);
  });

  it('rejects a window or vote limit that is not a whole number ≥ 1', () => {
    assert.throws(() => new StateDrivenStrategy(3, { window: 0 }), /window N/);
    assert.throws(() => new StateDrivenStrategy(3, { voteLimit: 1.5 }), /vote limit/);
  });
});

describe('adaptation: confidence-driven strategy', () => {
  const t = (mean: number | null, correct: number | null, wrong: number | null) => ({ mean, correct, wrong });
  const triples = [
    // conf0: class 0 bands 0.5 + {0.5, 0.75}·0.4 = 0.7 / 0.8; class 1: 0.4 + {0.5, 0.75}·0.4 = 0.6 / 0.7
    [t(0.8, 0.9, 0.5), t(0.8, 0.9, 0.5), t(0.7, 0.8, 0.4)],
    // conf1: class 0: 0.6 + {0.1, 0.15} = 0.7 / 0.75; class 1 never right → overall C+ 0.7: 0.5 + {0.1, 0.15} = 0.6 / 0.65
    [t(0.7, 0.7, 0.5), t(0.7, 0.8, 0.6), t(0.5, null, 0.5)],
    // conf2 never right: it can only approximate less
    [t(0.7, null, 0.7), t(0.7, null, 0.7), t(null, null, null)],
    // conf3 never wrong: C− = 1/2 classes; class 0: 0.5 + {0.5, 0.75}·0.4 = 0.7 / 0.8; class 1 never predicted
    [t(0.9, 0.9, null), t(0.9, 0.9, null), t(null, null, null)],
  ];

  it('derives the bands and the documented fallbacks from the triples', () => {
    const { lessBelow, moreAbove } = confidenceThresholds(triples);
    const close = (a: number[][], b: number[][]) => a.forEach((row, k) => row.forEach((v, i) => {
      if (Number.isFinite(b[k][i])) assert.ok(Math.abs(v - b[k][i]) < 1e-12, `[${k}][${i}] ${v} vs ${b[k][i]}`);
      else assert.equal(v, b[k][i]);
    }));
    close(lessBelow, [[0.7, 0.6], [0.7, 0.6], [Infinity, Infinity], [0.7, 0.7]]);
    close(moreAbove, [[0.8, 0.7], [0.75, 0.65], [Infinity, Infinity], [0.8, 0.8]]);
  });

  it('moves by the bands of the current configuration and predicted class', () => {
    const s = new ConfidenceDrivenStrategy(confidenceThresholds(triples.slice(0, 3)));
    // t0 conf0 class0 0.85 > 0.8 → 1; t1 conf1 class1 0.66 > 0.65 → 2; t2 conf2 (never right) → less 1;
    // t3 conf1 class0 0.72 in [0.7, 0.75] → stay 1; t4 0.69 < 0.7 → less 0; t5 conf0 class1 0.65 in
    // [0.6, 0.7] → stay 0; t6 0.71 > 0.7 → 1
    const seq = obs([0, 0.85], [1, 0.66], [0, 0.99], [0, 0.72], [0, 0.69], [1, 0.65], [1, 0.71]);
    assert.deepEqual(run(s, seq), [1, 2, 1, 1, 0, 0, 1]);
  });

  it('lets "less" win where inverted bands overlap (C+ < C−)', () => {
    // C+ 0.4, C− 0.8: less below 0.6, more above 0.5; 0.55 is in both → less: 1/2 = 0
    const s = new ConfidenceDrivenStrategy({ lessBelow: [[0.7], [0.6]], moreAbove: [[0.8], [0.5]] });
    s.restrict(1, 1);
    s.restrict(0, 1);
    assert.equal(s.next({ prediction: 0, confidence: 0.55 }), 0);
  });

  it('names the configuration that lacks triples and rejects unknown classes', () => {
    assert.throws(() => confidenceThresholds([triples[0], undefined], ['conf0', 'conf1']), /conf1 has no per-class confidence/);
    const s = new ConfidenceDrivenStrategy(confidenceThresholds(triples));
    assert.throws(() => s.next({ prediction: 2, confidence: 0.9 }), /class 2/);
  });
});

describe('adaptation: context rules', () => {
  it('applies the first matching rule to any inner strategy', () => {
    const rules = new ContextRules(new NaiveStrategy(6), [
      { batteryBelow: 20, min: 3, max: 5 },
      { charging: true, min: 0, max: 0 },
      { mode: 'saver', min: 2, max: 99 },
    ], 6);
    const got: number[] = [];
    got.push(rules.setContext({ battery: 50, charging: false, mode: 'normal' })); // no rule: [0, 5] → 0
    got.push(...run(rules, preds(1, 1))); // first: 0; repeat: 1
    got.push(rules.setContext({ battery: 10, charging: true, mode: 'saver' })); // rule 1 first: [3, 5] → 3
    got.push(...run(rules, preds(1))); // repeat: 4
    got.push(rules.setContext({ battery: 50, charging: true, mode: 'saver' })); // rule 2: [0, 0] → 0
    got.push(...run(rules, preds(1))); // repeat: 0 + 1 clamps to 0
    got.push(rules.setContext({ battery: 50, charging: false, mode: 'saver' })); // rule 3: [2, 99 → 5] → 2
    got.push(...run(rules, preds(2, 2))); // change: 2/2 = 1 clamps to 2; repeat: 3
    assert.deepEqual(got, [0, 0, 1, 3, 4, 0, 0, 2, 2, 3]);
  });

  it('treats batteryAtLeast as inclusive and batteryBelow as strict', () => {
    const rules = new ContextRules(createStrategy({ kind: 'fixed', index: 4 }, { count: 5 }), [
      { batteryBelow: 30, min: 0, max: 1 },
      { batteryAtLeast: 80, min: 0, max: 2 },
    ], 5);
    const at = (battery: number) => rules.setContext({ battery, charging: false, mode: '' });
    assert.deepEqual([at(29), at(30), at(79), at(80)], [1, 4, 4, 2]);
  });

  it('rejects a rule with min > max', () => {
    assert.throws(() => new ContextRules(new NaiveStrategy(3), [{ min: 2, max: 1 }], 3), /rule 1/);
  });
});

describe('adaptation: budget strategy', () => {
  // One band for every configuration and class: doubtful below 0.5, confident above 0.8.
  const bands = (count: number) => ({
    lessBelow: Array.from({ length: count }, () => [0.5, 0.5]),
    moreAbove: Array.from({ length: count }, () => [0.8, 0.8]),
  });
  const C = 0.9; // confident
  const N = 0.6; // neither
  const D = 0.3; // doubtful

  it('follows its rule table on a hand-worked sequence', () => {
    // Dyadic costs keep the credit sums exact. Budget 0.625 → home = 2 (the first cost ≤ 0.625); credit
    // change per sample at conf0..3: −0.375, −0.125, +0.125, +0.375; a burst needs credit ≥ 1 − 0.625.
    const s = new BudgetStrategy(bands(4), { budget: 0.625, costs: [1, 0.75, 0.5, 0.25], slack: 1 });
    assert.equal(s.home, 2);
    // t0 conf0 C: −0.375, in debt → home 2; t1 N: −0.25 → 2; t2 D: −0.125, no burst without credit → 2;
    // t3 N: 0 → stay; t4 D: 0.125 < 0.375 → stay; t5 N: 0.25; t6 D: 0.375 pays for a burst → 0;
    // t7 conf0 N: 0, below home but not confident → stay 0; t8 D: −0.375, in debt → home 2;
    // t9..t18 N: −0.25 … 0.875 → stay 2; t19 N: credit full (1) → one more accurate, 1; t20 conf1 C: 0.875,
    // below home and confident → home 2
    const seq = [C, N, D, N, D, N, D, N, D, ...new Array<number>(11).fill(N), C].map((c) => ({ prediction: 0, confidence: c }));
    assert.deepEqual(run(s, seq), [2, 2, 2, 2, 2, 2, 0, 0, 2, ...new Array<number>(10).fill(2), 1, 2]);
    assert.equal(s.credit, 0.875);
  });

  it('returns home from past it, and rests at the cheapest configuration when nothing fits the bound', () => {
    const s = new BudgetStrategy(bands(4), { budget: 0.625, costs: [1, 0.75, 0.5, 0.25] });
    assert.equal(s.fits, true);
    assert.equal(s.warning, undefined);
    s.restrict(3, 3);
    assert.equal(s.index, 3);
    s.restrict(0, 3);
    assert.equal(s.next({ prediction: 0, confidence: N }), 2); // past home, out of debt → home
    assert.equal(new BudgetStrategy(bands(3), { budget: 0.3, costs: [1, 0.6, 0.4] }).home, 2);
  });

  it('with measured costs that do not fall with the index and none within the bound, rests at the cheapest and says so', () => {
    // The last configuration measured slower than the exact one: the old fallback (the last index) cost 1.33.
    const costs = [1, 0.9, 0.82, 0.95, 1.33];
    const s = new BudgetStrategy(bands(5), { budget: 0.7, costs, names: ['conf0', 'conf1', 'conf2', 'conf3', 'conf4'] });
    assert.equal(s.fits, false);
    assert.equal(s.home, 2);
    assert.equal(s.warning, 'No configuration fits the budget 0.7: the cheapest, conf2, costs 0.820 of the exact one; the strategy stays there.');
    // Every inference adds debt: doubt, confidence and a full range never move it from home after the first.
    const seq = [D, C, N, D, D, C, C, N].map((c) => ({ prediction: 1, confidence: c }));
    assert.deepEqual(run(s, seq), new Array<number>(seq.length).fill(2));
    // Ties go to the more accurate configuration; without names the warning counts indices.
    const tie = new BudgetStrategy(bands(4), { budget: 0.5, costs: [1, 0.6, 0.8, 0.6] });
    assert.equal(tie.home, 1);
    assert.match(tie.warning!, /^No configuration fits the budget 0\.5: the cheapest, configuration 1, costs 0\.600 of the exact one/);
    // Context rules pass the inner strategy's warning on; a fitting budget has none.
    assert.equal(createStrategy({ kind: 'rules', rules: [{ min: 0, max: 1 }], inner: { kind: 'budget', budget: 0.7 } }, { count: 5, thresholds: bands(5), costs }).warning,
      'No configuration fits the budget 0.7: the cheapest, configuration 2, costs 0.820 of the exact one; the strategy stays there.');
    assert.equal(createStrategy({ kind: 'budget', budget: 0.82 }, { count: 5, thresholds: bands(5), costs }).warning, undefined);
  });

  it('keeps the mean cost within (largest cost − B) / samples of the bound whatever it observes', () => {
    const rng = new Random(11);
    for (let trial = 0; trial < 60; trial++) {
      const count = rng.int(2, 8);
      const costs = [1, ...Array.from({ length: count - 1 }, () => rng.uniform(0.2, 1))]; // in any order
      const budget = rng.uniform(Math.min(...costs), 1);
      const slack = rng.uniform(0.05, 3);
      const s = new BudgetStrategy(bands(count), { budget, costs, slack });
      const n = rng.int(50, 3000);
      const doubtRate = rng.next();
      let total = 0;
      for (let t = 0; t < n; t++) {
        total += costs[s.index];
        s.next({ prediction: 0, confidence: rng.next() < doubtRate ? 0.1 : rng.uniform(0.5, 1) });
      }
      assert.ok(total / n <= budget + (1 - budget) / n + 1e-12, `trial ${trial}: mean cost ${total / n} over budget ${budget}`);
    }
  });

  it('checks its options', () => {
    assert.throws(() => new BudgetStrategy(bands(2), { budget: 0.7, costs: [1] }), /2 configurations/);
    assert.throws(() => new BudgetStrategy(bands(2), { budget: 1.5, costs: [1, 0.5] }), /budget/);
    assert.throws(() => new BudgetStrategy(bands(2), { budget: 0.7, costs: [1, 0] }), /configuration 1/);
  });
});

describe('adaptation: strategies from JSON specs', () => {
  it('builds each kind and says what a kind is missing', () => {
    const thresholds = { lessBelow: [[0.5], [0.5]], moreAbove: [[0.8], [0.8]] };
    for (const spec of [
      { kind: 'naive' }, { kind: 'state', window: 4 }, { kind: 'confidence', growth: 'exponential' },
      { kind: 'budget', budget: 0.7 }, { kind: 'fixed', index: 1 }, { kind: 'rules', rules: [{ min: 1, max: 1 }], inner: { kind: 'naive' } },
    ] as StrategySpec[]) {
      const s = createStrategy(spec, { count: 2, thresholds, costs: [1, 0.5] });
      assert.ok(s.index >= 0 && s.index < 2, spec.kind);
    }
    assert.throws(() => createStrategy({ kind: 'budget', budget: 0.7 }, { count: 2, thresholds }), /relative cost/);
    assert.throws(() => createStrategy({ kind: 'confidence' }, { count: 2 }), /confidence thresholds/);
    assert.throws(() => createStrategy({ kind: 'wild' } as never, { count: 2 }), /Unknown strategy 'wild'/);
  });
});
