/**
 * Confidence-driven strategy (src/core/DESIGN.md §6). With c the calibrated confidence of the predicted class i and
 * C+ / C− the current configuration's mean calibrated confidence of its correct / wrong predictions of i:
 * less if c < C− + 0.5·(C+ − C−), more if c > C− + 0.75·(C+ − C−), otherwise stay. The two bounds are
 * computed once per (configuration, class) by `confidenceThresholds`, so the state machine only compares.
 */
import { MobiproxError } from '../errors';
import { AdaptationStrategy, Growth, IndexStepper, Observation } from './engine';

/** A profiled triple; the profiler writes null for a mean over no predictions. */
export interface ConfidenceMeans { mean: number | null; correct: number | null; wrong: number | null }

export interface ConfidenceThresholds {
  /** lessBelow[k][i]: at configuration k, a prediction of class i below this confidence approximates less. */
  lessBelow: number[][];
  /** moreAbove[k][i]: above this it approximates more. */
  moreAbove: number[][];
}

/** The fractions of the way from C− to C+ where the bands start (src/core/DESIGN.md §6). */
export const LESS_FRACTION = 0.5;
export const MORE_FRACTION = 0.75;

const known = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * Thresholds from each configuration's confidence triples (all classes first, then one per predicted class,
 * the layout of the configuration file). Means over no predictions fall back, in this order:
 * - a class never predicted wrongly (or never predicted) at k uses k's overall C−, and likewise for C+;
 * - a configuration never wrong at all has C− = 1/classes, the lowest confidence a predicted class can have;
 * - a configuration never right at all can only approximate less: lessBelow = moreAbove = +∞.
 * Should C+ ≤ C− (wrong predictions at least as confident as right ones), the strategy tests "less" first,
 * so the lower band wins where the two overlap.
 */
export function confidenceThresholds(triples: ReadonlyArray<ReadonlyArray<ConfidenceMeans> | undefined>, names?: string[]): ConfidenceThresholds {
  const lessBelow: number[][] = [];
  const moreAbove: number[][] = [];
  const classes = triples[0] ? triples[0].length - 1 : 0;
  triples.forEach((t, k) => {
    const name = names?.[k] ?? `configuration ${k}`;
    if (!t || t.length < 2) {
      throw new MobiproxError(`${name} has no per-class confidence triples; profile it with confidence statistics first.`, { value: name });
    }
    if (t.length - 1 !== classes) {
      throw new MobiproxError(`${name} has confidence triples for ${t.length - 1} classes, the first configuration for ${classes}.`, { value: name });
    }
    const allCorrect = t[0].correct;
    const allWrong = known(t[0].wrong) ? t[0].wrong : 1 / classes;
    const less: number[] = [];
    const more: number[] = [];
    for (let i = 0; i < classes; i++) {
      const cPlus = known(t[i + 1].correct) ? t[i + 1].correct : allCorrect;
      const cMinus = known(t[i + 1].wrong) ? (t[i + 1].wrong as number) : allWrong;
      if (!known(cPlus)) {
        less.push(Infinity);
        more.push(Infinity);
      } else {
        less.push(cMinus + LESS_FRACTION * (cPlus - cMinus));
        more.push(cMinus + MORE_FRACTION * (cPlus - cMinus));
      }
    }
    lessBelow.push(less);
    moreAbove.push(more);
  });
  return { lessBelow, moreAbove };
}

export class ConfidenceDrivenStrategy implements AdaptationStrategy {
  private readonly stepper: IndexStepper;

  constructor(private readonly thresholds: ConfidenceThresholds, growth: Growth = 'linear') {
    this.stepper = new IndexStepper(thresholds.lessBelow.length, growth);
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
    if (confidence < this.thresholds.lessBelow[k][prediction]) this.stepper.less();
    else if (confidence > this.thresholds.moreAbove[k][prediction]) this.stepper.more();
    return this.stepper.index;
  }

  restrict(min: number, max: number): number {
    return this.stepper.restrict(min, max);
  }
}
