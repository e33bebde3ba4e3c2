/**
 * Search over an additive QoS predictor (P2, or P1's first-order view): each layer picks one option with
 * a cost (its FLOPs divided by the knob's speedup) and a predicted loss; a configuration's cost and loss are
 * sums. Minimising cost for every loss budget at once is a multiple-choice knapsack, which a Pareto dynamic
 * program solves layer by layer: keep every non-dominated (cost, loss) partial assignment. The state count
 * is capped by keeping, per loss bucket, the cheapest state — exact whenever the cap is not reached.
 */
export interface LayerOption {
  /** Index of the option within its layer (the caller maps it to a knob). */
  option: number;
  cost: number;
  loss: number;
}

export interface FrontierPoint {
  /** Chosen option index per layer. */
  choice: number[];
  cost: number;
  loss: number;
}

interface State { cost: number; loss: number; choice: Int32Array }

export function additiveFrontier(layers: LayerOption[][], maxLoss: number, maxStates = 4000): FrontierPoint[] {
  const n = layers.length;
  // Later layers may still lower the loss (a knob can fix a mistake on the tuning set), so a partial state
  // may exceed maxLoss by as much as the remaining layers can give back.
  const giveBack = new Float64Array(n + 1);
  for (let l = n - 1; l >= 0; l--) giveBack[l] = giveBack[l + 1] + Math.max(0, -Math.min(...layers[l].map((o) => o.loss)));

  let states: State[] = [{ cost: 0, loss: 0, choice: new Int32Array(n) }];
  for (let l = 0; l < n; l++) {
    const next: State[] = [];
    for (const s of states) {
      for (const o of layers[l]) {
        const loss = s.loss + o.loss;
        if (loss > maxLoss + giveBack[l + 1]) continue;
        const choice = s.choice.slice();
        choice[l] = o.option;
        next.push({ cost: s.cost + o.cost, loss, choice });
      }
    }
    states = capStates(nonDominated(next), maxStates);
  }
  return states
    .filter((s) => s.loss <= maxLoss)
    .map((s) => ({ choice: Array.from(s.choice), cost: s.cost, loss: s.loss }));
}

/** Keeps the states that no other state beats in both cost and loss; sorted by loss. */
function nonDominated(states: State[]): State[] {
  states.sort((a, b) => a.loss - b.loss || a.cost - b.cost);
  const kept: State[] = [];
  for (const s of states) if (kept.length === 0 || s.cost < kept[kept.length - 1].cost) kept.push(s);
  return kept;
}

/** Thins a front (sorted by loss) to at most `max` states spread evenly over its loss range. */
function capStates(front: State[], max: number): State[] {
  if (front.length <= max) return front;
  const lo = front[0].loss;
  const width = (front[front.length - 1].loss - lo) / max || 1;
  const kept: State[] = [];
  let bucket = -1;
  for (const s of front) {
    // within a bucket the front is sorted by loss with falling cost: keep the bucket's last (cheapest) state
    const b = Math.min(max - 1, Math.floor((s.loss - lo) / width));
    if (b === bucket) kept[kept.length - 1] = s;
    else kept.push(s), (bucket = b);
  }
  return kept;
}
