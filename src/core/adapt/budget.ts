/**
 * Budget strategy (Mobiprox's own): keeps the running mean relative cost under a user's bound B and spends
 * what the bound allows where it buys accuracy. A credit counts the cost saved against the bound,
 * credit += B − cost[k] after each inference at configuration k, capped at `slack` so that a long easy
 * stretch cannot bank enough to pay for a long exact one later. The calibrated confidence (the same bands as
 * the confidence-driven strategy) says where accuracy is at stake:
 *
 *   doubtful (c below the "less" band):  credit ≥ 0 → the most accurate allowed configuration;
 *                                        credit > −slack → less (index / 2); deeper in debt → more
 *   confident (c above the "more" band): credit < slack → more; with a full credit → stay
 *   in between:                          credit < 0 → more, else stay
 *
 * With the credit full the strategy hovers where it spends the bound instead of saving below it; in debt it
 * moves towards cheaper configurations until the debt is repaid, so the mean cost exceeds B by at most
 * about (slack + count) / samples. A doubtful prediction is the one place where leaving the budget's
 * equilibrium pays, so that is where the credit goes.
 */
import { MobiproxError } from '../errors';
import { ConfidenceThresholds } from './confidenceDriven';
import { AdaptationStrategy, Growth, IndexStepper, Observation } from './engine';

export interface BudgetOptions {
  /** Bound on the mean relative cost, in (0, 1]: 0.7 = at most 70 % of the exact configuration's cost. */
  budget: number;
  /** Relative cost of each configuration (exact = 1), e.g. its mean latency over the exact one's. */
  costs: number[];
  /** Largest credit that may be banked, in units of the exact configuration's cost (default 2). */
  slack?: number;
  growth?: Growth;
}

export class BudgetStrategy implements AdaptationStrategy {
  private readonly stepper: IndexStepper;
  private readonly costs: number[];
  private readonly budget: number;
  private readonly slack: number;
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
    this.stepper = new IndexStepper(count, options.growth ?? 'exponential');
  }

  get index(): number {
    return this.stepper.index;
  }

  next({ prediction, confidence }: Observation): number {
    const k = this.stepper.index;
    const classes = this.thresholds.lessBelow[k].length;
    if (!Number.isInteger(prediction) || prediction < 0 || prediction >= classes) {
      throw new MobiproxError(`Predicted class ${prediction} is outside the ${classes} classes of the confidence thresholds.`, { value: prediction });
    }
    this.credit = Math.min(this.credit + this.budget - this.costs[k], this.slack);
    if (confidence < this.thresholds.lessBelow[k][prediction]) {
      if (this.credit >= 0) this.stepper.lowest();
      else if (this.credit > -this.slack) this.stepper.less();
      else this.stepper.more();
    } else if (confidence > this.thresholds.moreAbove[k][prediction]) {
      if (this.credit < this.slack) this.stepper.more();
    } else if (this.credit < 0) {
      this.stepper.more();
    }
    return this.stepper.index;
  }

  restrict(min: number, max: number): number {
    return this.stepper.restrict(min, max);
  }
}
