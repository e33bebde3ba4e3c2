/** A strategy that never moves: the baseline each adaptive strategy is measured against (index 0 = exact). */
import { AdaptationStrategy, checkCount, checkRange, clampIndex } from './engine';

export class FixedStrategy implements AdaptationStrategy {
  private current: number;

  constructor(private readonly count: number, private readonly pinned = 0) {
    checkCount(count);
    checkRange(pinned, pinned, count);
    this.current = pinned;
  }

  get index(): number {
    return this.current;
  }

  next(): number {
    return this.current;
  }

  /** Follows the range, returning to the pinned index as soon as the range allows it again. */
  restrict(min: number, max: number): number {
    checkRange(min, max, this.count);
    this.current = clampIndex(this.pinned, min, max);
    return this.current;
  }
}
