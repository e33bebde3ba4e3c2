/**
 * Search over the predictors. P2 is additive, so the exact Pareto dynamic program of frontierSearch gives
 * the cheapest configuration for every predicted loss at once (no sweep of thresholds needed). The front
 * alone can be a handful of points (when cheap knobs also happen to gain accuracy on the tuning set, they
 * dominate everything slower), so the configurations one and two knobs away from it join the pool, and the points
 * nearest to the front are kept: predictions err, and validation decides. P1 is not additive (outputs add,
 * accuracy is scored after), so its candidates are the pool's, re-scored by P1 and improved locally, and
 * those of a sweep of loss levels searched under P1 itself. Both also start from each precision applied to
 * every layer that takes it (int8, fp16): lowering the precision everywhere is the cheapest large step, and
 * additive losses of single knobs make it look costlier than it is.
 *
 * The search counts a knob's accuracy drop but not its gain: a knob that happens to gain on the tuning set
 * gains by chance, and chance gains do not add up. Summed, twenty lucky knobs cancel real losses (resnet20 on
 * 200 images: P2 predicted −15 points for configurations that lose far more).
 */
import { LayerInfo } from '../compile';
import { EXACT_KNOB, HALF_KNOB, INT8_KNOB } from '../knobs/catalog';
import { CostModel, speedup } from './costModel';
import { additiveFrontier } from './frontierSearch';
import { choiceKey } from './knobSpace';
import { nearFront } from './pareto';
import { P1Predictor, P2Predictor } from './predictors';

export interface Candidate {
  choice: number[];
  /** Predicted QoS loss (points) and speedup (cost model). */
  loss: number;
  speedup: number;
}

export interface SearchSpace {
  layers: readonly LayerInfo[];
  /** Knobs each layer may take (the exact one included). */
  options: number[][];
  costs: CostModel;
}

/** The predicted frontier up to `maxLoss` and its neighbourhood, at most `extra` points beyond the front. */
export function predictiveCandidates(
  space: SearchSpace, p2: P2Predictor, maxLoss: number, p1?: P1Predictor, extra = 32,
): Candidate[] {
  const dpLayers = space.options.map((ks, l) =>
    ks.map((k, i) => ({ option: i, cost: space.costs.layers[l][k], loss: drop(p2, l, k) })));
  const exactAccuracy = p2.accuracy(space.options.map(() => EXACT_KNOB));
  const front = additiveFrontier(dpLayers, maxLoss).map((p) => {
    const choice = p.choice.map((i, l) => space.options[l][i]);
    return { choice, loss: p.loss, speedup: speedup(space.costs, choice) };
  });
  const seeds = uniformPrecisions(space).map((choice) => ({ choice, loss: additiveLoss(p2, choice), speedup: speedup(space.costs, choice) }));
  let pool: Candidate[] = dedupe([...front, ...seeds.filter((p) => p.loss <= maxLoss)]);
  for (let hop = 0; hop < NEIGHBOUR_HOPS; hop++) {
    const seeds = spreadByLoss(nearFront(pool, NEIGHBOURED), NEIGHBOURED, maxLoss, new Set());
    pool = dedupe([...pool, ...neighbours(space, p2, seeds)]).filter((p) => p.loss <= maxLoss);
  }
  if (!p1) return nearFront(pool, extra);
  const rescored = nearFront(pool, 4 * extra)
    .map((p) => ({ ...p, loss: exactAccuracy - p1.accuracy(p.choice) }))
    .filter((p) => p.loss <= maxLoss);
  const improved = nearFront(rescored, extra).map((p) => descend(space, p1, exactAccuracy, p, p.loss));
  const sweeps = [exactChoice(space), ...seeds.map((s) => s.choice)]
    .flatMap((start) => p1Sweep(space, p1, exactAccuracy, maxLoss, start))
    .filter((p) => p.loss <= maxLoss);
  return nearFront(dedupe([...rescored, ...improved, ...sweeps]), extra);
}

const exactChoice = (space: SearchSpace): number[] => space.options.map(() => EXACT_KNOB);

/** For int8 and fp16, every layer at that precision where it takes it, the others exact. */
function uniformPrecisions(space: SearchSpace): number[][] {
  return [INT8_KNOB, HALF_KNOB]
    .map((k) => space.options.map((ks) => (ks.includes(k) ? k : EXACT_KNOB)))
    .filter((choice) => choice.some((k) => k !== EXACT_KNOB));
}

const additiveLoss = (p2: P2Predictor, choice: readonly number[]): number => choice.reduce((sum, k, l) => sum + drop(p2, l, k), 0);

/** Points whose one-knob neighbourhoods are searched per hop (spread over the loss range), and hops. */
const NEIGHBOURED = 48;
const NEIGHBOUR_HOPS = 2;

/** The accuracy a layer's knob loses by P2, never a gain. */
const drop = (p2: P2Predictor, layer: number, k: number): number => Math.max(0, -p2.delta(layer, k));

/** Every configuration that differs from one of `points` in a single layer's knob, scored like the front. */
function neighbours(space: SearchSpace, p2: P2Predictor, points: readonly Candidate[]): Candidate[] {
  return points.flatMap((p) => space.options.flatMap((ks, l) => ks.filter((k) => k !== p.choice[l]).map((k) => {
    const choice = [...p.choice];
    choice[l] = k;
    return { choice, loss: additiveLoss(p2, choice), speedup: speedup(space.costs, choice) };
  })));
}

/**
 * Greedy descent under P1 from `start`: repeatedly applies the single-layer knob change that saves the most
 * cost per point of predicted loss it adds, as long as the predicted loss stays within `limit`.
 */
function descend(space: SearchSpace, p1: P1Predictor, exactAccuracy: number, start: Candidate, limit: number, options = space.options): Candidate {
  const choice = [...start.choice];
  const sum = p1.outputs(choice);
  let loss = exactAccuracy - p1.score(sum);
  for (;;) {
    let best: { l: number; k: number; value: number; loss: number } | undefined;
    for (let l = 0; l < choice.length; l++) {
      const now = space.costs.layers[l][choice[l]];
      for (const k of options[l]) {
        const gain = now - space.costs.layers[l][k];
        if (gain <= 0) continue;
        p1.move(sum, l, choice[l], k);
        const after = exactAccuracy - p1.score(sum);
        p1.move(sum, l, k, choice[l]);
        // A tenth of a point is the loss resolution of a 1000-sample set: below it, the larger saving wins.
        const value = gain / (Math.max(0, after - loss) + 0.1);
        if (after <= limit && (!best || value > best.value)) best = { l, k, value, loss: after };
      }
    }
    if (!best) break;
    p1.move(sum, best.l, choice[best.l], best.k);
    choice[best.l] = best.k;
    loss = best.loss;
  }
  return { choice, loss, speedup: speedup(space.costs, choice) };
}

/**
 * A sweep of loss levels under P1, which (unlike P2) sees knobs compound: from `start`, each level descends
 * from where the previous one stopped. Each layer offers only the knobs that no other knob of the layer
 * beats in both cost and output distortion, which keeps a step cheap.
 */
function p1Sweep(
  space: SearchSpace, p1: P1Predictor, exactAccuracy: number, maxLoss: number, start: number[], levels = SWEEP_LEVELS,
): Candidate[] {
  const options = space.options.map((ks, l) => {
    const scored = ks.map((k) => ({ k, cost: space.costs.layers[l][k], distortion: p1.distortion(l, k) }));
    return scored.filter((a) => !scored.some((b) => b.cost <= a.cost && b.distortion <= a.distortion && (b.cost < a.cost || b.distortion < a.distortion))).map((a) => a.k);
  });
  let at: Candidate = { choice: start, loss: exactAccuracy - p1.accuracy(start), speedup: speedup(space.costs, start) };
  const found: Candidate[] = at.loss <= maxLoss ? [at] : [];
  for (let i = 1; i <= levels; i++) {
    at = descend(space, p1, exactAccuracy, at, (maxLoss * i) / levels, options);
    found.push(at);
  }
  return found;
}

const SWEEP_LEVELS = 24;

/**
 * Configurations between ones that failed validation and the exact one. When knobs compound far beyond what
 * the predictor adds up (MobileNetV2-HAR: candidates of some 45 knobs predicted within 3 points lost 51-79), it
 * cannot say how many of them to keep; so each failed configuration is halved, and halved again, keeping the
 * layers whose knob saves the most time per point of its own single-knob loss. Scored by P1 when given.
 */
export function backOff(
  space: SearchSpace, p2: P2Predictor, failed: readonly Candidate[], p1?: P1Predictor, halvings = BACK_OFF_HALVINGS,
): Candidate[] {
  const exactAccuracy = p2.accuracy(exactChoice(space));
  return dedupe(failed.flatMap((f) => {
    const ranked = f.choice.map((k, l) => ({ l, k }))
      .filter(({ k }) => k !== EXACT_KNOB)
      .map(({ l, k }) => ({ l, k, value: (space.costs.layers[l][EXACT_KNOB] - space.costs.layers[l][k]) / (drop(p2, l, k) + LOSS_FLOOR) }))
      .sort((a, b) => b.value - a.value);
    const sizes = [...new Set(Array.from({ length: halvings }, (_, i) => Math.floor(ranked.length / 2 ** (i + 1))))].filter((n) => n > 0);
    return sizes.map((n) => {
      const choice = exactChoice(space);
      for (const { l, k } of ranked.slice(0, n)) choice[l] = k;
      const loss = p1 ? exactAccuracy - p1.accuracy(choice) : additiveLoss(p2, choice);
      return { choice, loss, speedup: speedup(space.costs, choice) };
    });
  }));
}

const BACK_OFF_HALVINGS = 4;
/** Points of loss added to every knob's drop when ranking: a knob with no measured loss still risks some. */
const LOSS_FLOOR = 0.1;

function dedupe(points: Candidate[]): Candidate[] {
  const seen = new Map<string, Candidate>();
  for (const p of points) if (!seen.has(choiceKey(p.choice))) seen.set(choiceKey(p.choice), p);
  return [...seen.values()];
}

/**
 * Up to `count` points of a front spread over the loss range [0, maxLoss]: for evenly spaced loss levels,
 * the fastest point within each level, skipping those in `exclude`.
 */
export function spreadByLoss(points: readonly Candidate[], count: number, maxLoss: number, exclude: Set<string>): Candidate[] {
  const pool = points.filter((p) => p.loss <= maxLoss && !exclude.has(choiceKey(p.choice)));
  const picked = new Map<string, Candidate>();
  for (let t = 1; t <= count && picked.size < count; t++) {
    const level = (maxLoss * t) / count;
    let best: Candidate | undefined;
    for (const p of pool) if (p.loss <= level && !picked.has(choiceKey(p.choice)) && (!best || p.speedup > best.speedup)) best = p;
    if (best) picked.set(choiceKey(best.choice), best);
  }
  // Levels that found nothing new leave room for the rest of the front, fastest first.
  for (const p of [...pool].sort((a, b) => b.speedup - a.speedup)) {
    if (picked.size >= count) break;
    if (!picked.has(choiceKey(p.choice))) picked.set(choiceKey(p.choice), p);
  }
  return [...picked.values()];
}
