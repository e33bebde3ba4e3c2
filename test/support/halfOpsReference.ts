/**
 * Knob 12 (fp16) on the float ops other than convolution, written from FORMAT.md (layer records): "a fp16
 * slot rounds the operands of its step and the result of its step to IEEE binary16", sums and products
 * in float32. Each function returns the expected values and, per element, the bound on a correct
 * implementation's deviation: its float32 arithmetic error carried through the final binary16 rounding
 * (see knobReference.ts), so that elements away from a rounding boundary must match exactly.
 */
import { roundHalf } from './binary16';

export interface HalfResult {
  y: Float64Array;
  errorBound: Float64Array;
}

const U = 2 ** -24;

/** Rounds v to binary16 with its float32 error e, returning the rounded value and the spread of the rounding. */
function rounded(v: number, e: number): [number, number] {
  const r = roundHalf(v);
  return [r, Math.max(Math.abs(roundHalf(v + e) - r), Math.abs(roundHalf(v - e) - r))];
}

function result(values: [number, number][]): HalfResult {
  return { y: Float64Array.from(values, (p) => p[0]), errorBound: Float64Array.from(values, (p) => p[1]) };
}

const rh = roundHalf;

/** Element-wise f of rounded operands, with a float32 relative error of `ulps` float32 ulps. */
export function unaryHalf(x: ArrayLike<number>, f: (v: number) => number, ulps = 1): HalfResult {
  return result(Array.from(x, (v) => {
    const y = f(rh(v));
    return rounded(y, ulps * U * Math.abs(y) + ulps * 2 ** -126);
  }));
}

/** a op b, with b broadcast by `bIndex` (the element of b for output element i). */
export function binaryHalf(
  a: ArrayLike<number>, b: ArrayLike<number>, bIndex: (i: number) => number, f: (p: number, q: number) => number,
): HalfResult {
  return result(Array.from(a, (v, i) => {
    const y = f(rh(v), rh(b[bIndex(i)]));
    return rounded(y, U * Math.abs(y));
  }));
}

/**
 * Dense y = act(x·Wᵀ + b) with the mul, add and activation slots all fp16. x [rows, K], W [P, K]; `act` gets
 * binary16 operands (its parameters already rounded by the caller) and its result is rounded.
 */
export function denseHalf(
  x: ArrayLike<number>, rows: number, K: number, W: ArrayLike<number>, P: number, b: ArrayLike<number>,
  act: (v: number) => number = (v) => Math.max(v, 0),
): HalfResult {
  const out: [number, number][] = [];
  for (let r = 0; r < rows; r++) {
    for (let p = 0; p < P; p++) {
      let s = 0;
      let abs = 0;
      for (let k = 0; k < K; k++) {
        const t = rh(x[r * K + k]) * rh(W[p * K + k]);
        s += t;
        abs += Math.abs(t);
      }
      let [v, e] = rounded(s, (K + 1) * U * abs);
      [v, e] = rounded(v + rh(b[p]), e + U * Math.abs(v + rh(b[p])));
      const a = act(v);
      // The activation scales the error as it scales the value (a leaky product by alpha, or by 1).
      out.push(rounded(a, v === 0 ? e : e * Math.abs(a / v)));
    }
  }
  return result(out);
}

/** Pooling over [planes, H, W] with a kh×kw window, stride s and symmetric padding p (count_include_pad 0). */
export function poolHalf(
  x: ArrayLike<number>, planes: number, H: number, W: number, kh: number, kw: number, s: number, p: number,
  kind: 'max' | 'mean',
): HalfResult {
  const Ho = Math.floor((H + 2 * p - kh) / s) + 1;
  const Wo = Math.floor((W + 2 * p - kw) / s) + 1;
  const out: [number, number][] = [];
  for (let c = 0; c < planes; c++) {
    for (let i = 0; i < Ho; i++) {
      for (let j = 0; j < Wo; j++) {
        let best = -Infinity;
        let sum = 0;
        let abs = 0;
        let count = 0;
        for (let a = 0; a < kh; a++) {
          for (let bb = 0; bb < kw; bb++) {
            const h = i * s - p + a;
            const w = j * s - p + bb;
            if (h < 0 || h >= H || w < 0 || w >= W) continue;
            const v = rh(x[(c * H + h) * W + w]);
            best = Math.max(best, v);
            sum += v;
            abs += Math.abs(v);
            count++;
          }
        }
        if (kind === 'max') out.push([best, 0]);
        else out.push(rounded(sum / count, ((count + 2) * U * abs) / count));
      }
    }
  }
  return result(out);
}

/** Softmax over the last axis of [rows, n]. */
export function softmaxHalf(x: ArrayLike<number>, rows: number, n: number): HalfResult {
  const out: [number, number][] = [];
  for (let r = 0; r < rows; r++) {
    const v = Array.from({ length: n }, (_, i) => rh(x[r * n + i]));
    const m = Math.max(...v);
    const e = v.map((t) => Math.exp(t - m));
    const z = e.reduce((a, b) => a + b, 0);
    // expf and the float32 sum and division: a few float32 ulps of relative error.
    for (const t of e) out.push(rounded(t / z, (n + 8) * U * (t / z)));
  }
  return result(out);
}

/** y = x·s[c] + t[c] over [rows, C, inner] as one fp16 step (operands and result rounded). */
export function affineHalf(x: ArrayLike<number>, C: number, inner: number, s: ArrayLike<number>, t: ArrayLike<number>): HalfResult {
  return result(Array.from(x, (v, i) => {
    const c = Math.floor(i / inner) % C;
    const y = rh(v) * rh(s[c]) + rh(t[c]);
    return rounded(y, 2 * U * (Math.abs(rh(v) * rh(s[c])) + Math.abs(rh(t[c]))));
  }));
}
