/**
 * Naive strategy (src/core/DESIGN.md §6): approximate more when a prediction repeats the previous one, less when it
 * differs. The first observation has nothing to compare with, so it only records the prediction.
 */
import { AdaptationStrategy, Growth, IndexStepper, Observation } from './engine';

export class NaiveStrategy implements AdaptationStrategy {
  private readonly stepper: IndexStepper;
  /** −1 until the first observation. */
  private previous = -1;

  constructor(count: number, growth: Growth = 'linear') {
    this.stepper = new IndexStepper(count, growth);
  }

  get index(): number {
    return this.stepper.index;
  }

  next({ prediction }: Observation): number {
    if (this.previous >= 0) {
      if (prediction === this.previous) this.stepper.more();
      else this.stepper.less();
    }
    this.previous = prediction;
    return this.stepper.index;
  }

  restrict(min: number, max: number): number {
    return this.stepper.restrict(min, max);
  }
}
