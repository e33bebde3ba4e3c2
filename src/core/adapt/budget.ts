/**
 * Budget strategy (Mobiprox's own): keeps the running mean relative cost under a user's bound B and spends
 * what the bound leaves where the calibrated confidence says accuracy is at stake.
 *
 * Its resting point is "home", the most accurate configuration whose cost fits the bound (the lowest index
 * with cost ≤ B). Costs are measured, so they need not fall with the index: if none fits, home is the
 * cheapest configuration (the lower index on a tie) and `warning` says so. A credit counts the cost saved
 * against the bound, credit += B − cost[k] after each inference at configuration k, capped at `slack` so
 * that a long easy stretch cannot bank enough to pay for a long exact one later. With the confidence-driven
 * strategy's bands (doubtful: c below the "less" band; confident: c above the "more" band), after each
 * inference:
 *
 *   1. doubtful, and the credit pays for one more inference at the most accurate allowed configuration
 *      (credit ≥ cost[min] − B): go there — a burst of accuracy where the prediction is in doubt;
 *   2. in debt (credit < 0), or past home: back home;
 *   3. credit full (= slack): one configuration more accurate, spending what the cap would otherwise waste;
 *   4. below home and confident: back home;
 *   5. otherwise stay.
 *
 * Configurations cheaper than home are never chosen: they cost accuracy and the bound does not need them.
 * Every move below home is paid for in advance and debt sends the strategy home, so the credit never falls
 * below −(largest cost − B) and the mean cost exceeds B by at most (largest cost − B) / samples — as long as
 * home fits the bound and no context rule forbids it. When nothing fits, every inference adds debt, so rule 2
 * holds the strategy at home from the second inference on: the mean cost tends to the cheapest cost, above B.
 */
import { MobiproxError } from '../errors';
import { ConfidenceThresholds } from './confidenceDriven';
import { AdaptationStrategy, IndexStepper, Observation, clampIndex } from './engine';

export interface BudgetOptions {
  /** Bound on the mean relative cost, in (0, 1]: 0.7 = at most 70 % of the exact configuration's cost. */
  budget: number;
  /** Relative cost of each configuration (exact = 1), e.g. its mean latency over the exact one's. */
  costs: number[];
  /** Largest credit that may be banked, in units of the exact configuration's cost (default 2). */
  slack?: number;
  /** Configuration names, for the warning (default "configuration K"). */
  names?: string[];
}

export class BudgetStrategy implements AdaptationStrategy {
  private readonly stepper: IndexStepper;
  private readonly costs: number[];
  private readonly budget: number;
  private readonly slack: number;
  /** The most accurate configuration whose cost fits the budget; the cheapest one if none fits. */
  readonly home: number;
  /** Whether some configuration's cost fits the budget. */
  readonly fits: boolean;
  /** Set when no configuration fits the budget: the bound, the cheapest configuration and its cost. */
  readonly warning?: string;
  /** Cost saved against the bound so far, at most `slack`. */
  credit = 0;

  constructor(private readonly thresholds: ConfidenceThresholds, options: BudgetOptions) {
    const count = thresholds.lessBelow.length;
    if (options.costs.length !== count) {
      throw new MobiproxError(`The budget strategy got ${options.costs.length} costs for ${count} configurations.`, { value: options.costs });
    }
    const bad = options.costs.findIndex((c) => !(c > 0) || !Number.isFinite(c));
    if (bad >= 0) throw new MobiproxError(`The relative cost of configuration ${bad} must be a positive number, not ${options.costs[bad]}.`, { value: options.costs[bad] });
    if (!(options.budget > 0 && options.budget <= 1)) {
      throw new MobiproxError(`The budget is a mean relative cost in (0, 1], not ${options.budget}.`, { value: options.budget });
    }
    this.slack = options.slack ?? 2;
    if (!(this.slack > 0) || !Number.isFinite(this.slack)) {
      throw new MobiproxError(`The budget slack must be a positive number, not ${this.slack}.`, { value: this.slack });
    }
    this.costs = options.costs.slice();
    this.budget = options.budget;
    const fits = this.costs.findIndex((c) => c <= this.budget);
    const cheapest = this.costs.reduce((best, c, k) => (c < this.costs[best] ? k : best), 0);
    this.fits = fits >= 0;
    this.home = this.fits ? fits : cheapest;
    if (!this.fits) {
      const name = options.names?.[cheapest] ?? `configuration ${cheapest}`;
      this.warning = `No configuration fits the budget ${this.budget}: the cheapest, ${name}, costs ${this.costs[cheapest].toFixed(3)} of the exact one; the strategy stays there.`;
    }
    this.stepper = new IndexStepper(count);
  }

  get index(): number {
    return this.stepper.index;
  }

  next({ prediction, confidence }: Observation): number {
    const s = this.stepper;
    const k = s.index;
    const classes = this.thresholds.lessBelow[k].length;
    if (!Number.isInteger(prediction) || prediction < 0 || prediction >= classes) {
      throw new MobiproxError(`Predicted class ${prediction} is outside the ${classes} classes of the confidence thresholds.`, { value: prediction });
    }
    this.credit = Math.min(this.credit + this.budget - this.costs[k], this.slack);
    const home = clampIndex(this.home, s.min, s.max);
    if (confidence < this.thresholds.lessBelow[k][prediction] && this.credit >= this.costs[s.min] - this.budget) {
      s.lowest();
    } else if (this.credit < 0 || k > home) {
      s.index = home;
    } else if (this.credit >= this.slack) {
      s.index = Math.max(k - 1, s.min);
    } else if (k < home && confidence > this.thresholds.moreAbove[k][prediction]) {
      s.index = home;
    }
    return s.index;
  }

  restrict(min: number, max: number): number {
    return this.stepper.restrict(min, max);
  }
}
