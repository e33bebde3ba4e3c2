/**
 * State-driven strategy (src/core/DESIGN.md §6): a FIFO of the last N predictions votes once it is full. All equal:
 * V = max(0, V) + 1, else V = min(0, V) − 1. At V ≥ V_L approximate more, at V ≤ −V_L less, and V returns
 * to 0. The FIFO keeps sliding across moves: a switch does not erase what was seen.
 */
import { MobiproxError } from '../errors';
import { AdaptationStrategy, Growth, IndexStepper, Observation } from './engine';

export interface StateDrivenOptions {
  growth?: Growth;
  /** FIFO length N (default 3). */
  window?: number;
  /** Vote limit V_L (default 2). */
  voteLimit?: number;
}

export class StateDrivenStrategy implements AdaptationStrategy {
  private readonly stepper: IndexStepper;
  private readonly window: number;
  private readonly voteLimit: number;
  /** Ring buffer of the last `window` predictions; `filled` of them are valid, the oldest at `head`. */
  private readonly fifo: number[];
  private head = 0;
  private filled = 0;
  private vote = 0;

  constructor(count: number, options: StateDrivenOptions = {}) {
    this.window = options.window ?? 3;
    this.voteLimit = options.voteLimit ?? 2;
    if (!Number.isInteger(this.window) || this.window < 1) {
      throw new MobiproxError(`The state-driven window N must be a whole number ≥ 1, not ${this.window}.`, { value: this.window });
    }
    if (!Number.isInteger(this.voteLimit) || this.voteLimit < 1) {
      throw new MobiproxError(`The state-driven vote limit V_L must be a whole number ≥ 1, not ${this.voteLimit}.`, { value: this.voteLimit });
    }
    this.stepper = new IndexStepper(count, options.growth);
    this.fifo = new Array<number>(this.window).fill(0);
  }

  get index(): number {
    return this.stepper.index;
  }

  next({ prediction }: Observation): number {
    this.fifo[this.head] = prediction;
    this.head = (this.head + 1) % this.window;
    if (this.filled < this.window) this.filled++;
    if (this.filled < this.window) return this.stepper.index;

    let allEqual = true;
    for (let k = 1; k < this.window; k++) if (this.fifo[k] !== this.fifo[0]) allEqual = false;
    this.vote = allEqual ? Math.max(0, this.vote) + 1 : Math.min(0, this.vote) - 1;
    if (this.vote >= this.voteLimit) {
      this.stepper.more();
      this.vote = 0;
    } else if (this.vote <= -this.voteLimit) {
      this.stepper.less();
      this.vote = 0;
    }
    return this.stepper.index;
  }

  restrict(min: number, max: number): number {
    return this.stepper.restrict(min, max);
  }
}
