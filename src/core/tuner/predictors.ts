/**
 * The QoS predictors of src/core/DESIGN.md §3, built from single-knob profiles. P2 adds the accuracy changes of
 * the layers' knobs; P1 adds their changes of the output tensor to the exact output and scores the result
 * against the labels. Both are exact for a configuration that approximates a single layer.
 */
import { EXACT_KNOB } from '../knobs/catalog';
import { ProfileSet, profileKey } from './profiles';

export interface QosPredictor {
  /** Predicted tuning-set accuracy (percent) of one knob per layer. */
  accuracy(choice: readonly number[]): number;
}

export class P2Predictor implements QosPredictor {
  constructor(private readonly profiles: ProfileSet) {}

  /** Accuracy change of one layer's knob, 0 for the exact knob. */
  delta(layer: number, k: number): number {
    if (k === EXACT_KNOB) return 0;
    return this.profiles.single.get(profileKey(layer, k))!.accuracy - this.profiles.exact.accuracy;
  }

  accuracy(choice: readonly number[]): number {
    return choice.reduce((acc, k, l) => acc + this.delta(l, k), this.profiles.exact.accuracy);
  }
}

export class P1Predictor implements QosPredictor {
  private readonly exact: Float32Array;
  private readonly classes: number;

  constructor(private readonly profiles: ProfileSet, private readonly labels: Int32Array) {
    this.exact = profiles.exact.outputs!;
    this.classes = this.exact.length / labels.length;
  }

  /** The predicted output tensor: exact + Σ (single-knob output − exact). */
  outputs(choice: readonly number[]): Float64Array {
    const sum = Float64Array.from(this.exact);
    choice.forEach((k, l) => this.move(sum, l, EXACT_KNOB, k));
    return sum;
  }

  /** Changes layer l's knob from `from` to `to` in a predicted output tensor, in place. */
  move(sum: Float64Array, l: number, from: number, to: number): void {
    if (from === to) return;
    const add = to === EXACT_KNOB ? undefined : this.profiles.single.get(profileKey(l, to))!.outputs!;
    const sub = from === EXACT_KNOB ? undefined : this.profiles.single.get(profileKey(l, from))!.outputs!;
    for (let i = 0; i < sum.length; i++) sum[i] += (add ? add[i] : this.exact[i]) - (sub ? sub[i] : this.exact[i]);
  }

  /** Squared distance of a single-knob output tensor from the exact one (0 for the exact knob). */
  distortion(l: number, k: number): number {
    if (k === EXACT_KNOB) return 0;
    const single = this.profiles.single.get(profileKey(l, k))!.outputs!;
    let d = 0;
    for (let i = 0; i < single.length; i++) d += (single[i] - this.exact[i]) ** 2;
    return d;
  }

  score(sum: Float64Array): number {
    const c = this.classes;
    let correct = 0;
    for (let s = 0; s < this.labels.length; s++) {
      let best = 0;
      for (let j = 1; j < c; j++) if (sum[s * c + j] > sum[s * c + best]) best = j;
      if (best === this.labels[s]) correct++;
    }
    return (100 * correct) / this.labels.length;
  }

  accuracy(choice: readonly number[]): number {
    return this.score(this.outputs(choice));
  }
}
