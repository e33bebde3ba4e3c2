/**
 * The baseline the predictive search is measured against: ApproxTuner's empirical mode, where every
 * candidate is run on the tuning set. An evolutionary search: each generation mutates configurations of the
 * current measured frontier (one to three layers take another knob) and measures the children, until the
 * evaluation budget or the deadline runs out.
 */
import { choiceKey } from './knobSpace';
import { speedup } from './costModel';
import { nearFront } from './pareto';
import { Candidate, SearchSpace } from './search';

export interface EmpiricalOptions {
  exactAccuracy: number;
  maxLoss: number;
  maxEvals: number;
  /** Date.now() after which no generation starts. */
  deadline?: number;
  generation: number;
  seed?: number;
  /** Tuning-set accuracy of each choice. */
  measure(choices: number[][]): Promise<number[]>;
  onProgress?(evaluated: number, total: number): void;
}

export async function empiricalSearch(space: SearchSpace, o: EmpiricalOptions): Promise<Candidate[]> {
  let state = o.seed ?? 1;
  const random = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  const measured: Candidate[] = [{ choice: space.options.map(() => 11), loss: 0, speedup: 1 }];
  const seen = new Set(measured.map((c) => choiceKey(c.choice)));
  const tunable = space.options.map((ks, l) => l).filter((l) => space.options[l].length > 1);
  let evaluated = 0;
  while (evaluated < o.maxEvals && (o.deadline === undefined || Date.now() < o.deadline) && tunable.length > 0) {
    const parents = nearFront(measured.filter((c) => c.loss <= o.maxLoss), 8);
    const children: number[][] = [];
    for (let tries = 0; children.length < Math.min(o.generation, o.maxEvals - evaluated) && tries < 50 * o.generation; tries++) {
      const child = [...pick(parents).choice];
      const changes = 1 + Math.floor(random() * 3);
      for (let c = 0; c < changes; c++) {
        const l = pick(tunable);
        child[l] = pick(space.options[l]);
      }
      if (!seen.has(choiceKey(child))) seen.add(choiceKey(child)), children.push(child);
    }
    if (children.length === 0) break;
    const accuracies = await o.measure(children);
    children.forEach((choice, i) =>
      measured.push({ choice, loss: o.exactAccuracy - accuracies[i], speedup: speedup(space.costs, choice) }));
    evaluated += children.length;
    o.onProgress?.(evaluated, o.maxEvals);
  }
  return measured.slice(1);
}
