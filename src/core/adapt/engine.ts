/**
 * The shared machinery of run-time adaptation (src/core/DESIGN.md §6). Configurations are ordered by speedup, index
 * 0 = exact. Each strategy is a small deterministic state machine: it holds the index of the configuration
 * for the next inference and, fed the output of that inference, returns the index for the one after. The
 * generated Kotlin/Java engines port these classes line by line, so every step is integer or plain float
 * arithmetic with no hidden state.
 */
import { MobiproxError } from '../errors';

/** What one inference tells the strategy: the predicted class and its (calibrated) confidence. */
export interface Observation {
  prediction: number;
  confidence: number;
}

export interface AdaptationStrategy {
  /** The configuration for the next inference. */
  readonly index: number;
  /** Feeds the output of the inference just run at `index`; returns the index for the next inference. */
  next(observation: Observation): number;
  /** Allows only configurations min..max (inclusive) from now on, moving the index inside; returns it. */
  restrict(min: number, max: number): number;
  /** Set when the strategy cannot keep what it was asked for (a budget no configuration fits), for the user. */
  readonly warning?: string;
}

/** "Linear" adds the same step each time; "exponential" doubles it after every move towards approximation. */
export type Growth = 'linear' | 'exponential';

/**
 * The index walk shared by the strategies. "More" = index + step, then step ×= factor; "less" = index / 2
 * (integer division), step = 1; both clamped to [min, max]. The step is capped at count − 1: any larger step
 * reaches max from every index anyway, so the cap changes no decision and keeps ports free of overflow.
 */
export class IndexStepper {
  index: number;
  step = 1;
  min = 0;
  max: number;
  private readonly factor: number;
  private readonly stepCap: number;

  constructor(readonly count: number, growth: Growth = 'linear', start = 0) {
    checkCount(count);
    this.max = count - 1;
    this.factor = growth === 'exponential' ? 2 : 1;
    this.stepCap = Math.max(1, count - 1);
    this.index = clampIndex(start, 0, this.max);
  }

  more(): number {
    this.index = Math.min(this.index + this.step, this.max);
    this.step = Math.min(this.step * this.factor, this.stepCap);
    return this.index;
  }

  less(): number {
    this.index = Math.max(Math.floor(this.index / 2), this.min);
    this.step = 1;
    return this.index;
  }

  /** Straight to the most accurate allowed configuration, step = 1. */
  lowest(): number {
    this.index = this.min;
    this.step = 1;
    return this.index;
  }

  restrict(min: number, max: number): number {
    checkRange(min, max, this.count);
    this.min = min;
    this.max = max;
    this.index = clampIndex(this.index, min, max);
    return this.index;
  }
}

export function clampIndex(index: number, min: number, max: number): number {
  return index < min ? min : index > max ? max : index;
}

export function checkCount(count: number): void {
  if (!Number.isInteger(count) || count < 1) {
    throw new MobiproxError(`An adaptation strategy needs at least one configuration, not ${count}.`, { value: count });
  }
}

export function checkRange(min: number, max: number, count: number): void {
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 0 || max >= count || min > max) {
    throw new MobiproxError(
      `The allowed configuration range [${min}, ${max}] must be whole indices with 0 ≤ min ≤ max ≤ ${count - 1}.`,
      { value: [min, max] },
    );
  }
}
