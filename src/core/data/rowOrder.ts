/**
 * Row selection for data sets whose file order is not a fair sample (UCI-HAR is ordered by subject and
 * time): a seeded permutation, so that a shuffled split is the same on every machine and the on-disk
 * caches keyed by the resulting sets stay valid across runs.
 */
import { NdArray } from './ndarray';

/** A uniform generator on [0, 1) seeded by a 32-bit integer (mulberry32): the same stream on every machine. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    let t = (state = (state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A permutation of 0..n-1 by Fisher–Yates over mulberry32(seed). */
export function seededPermutation(n: number, seed: number): Uint32Array {
  const next = mulberry32(seed);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** The rows of `a` at `rows`, in that order. */
export function gatherRows<A extends NdArray>(a: A, rows: ArrayLike<number>): A {
  const per = a.shape.slice(1).reduce((x, y) => x * y, 1);
  const Ctor = a.data.constructor as { new (n: number): A['data'] };
  const data = new Ctor(rows.length * per);
  for (let i = 0; i < rows.length; i++) {
    (data as { set(src: ArrayLike<unknown>, at: number): void }).set(a.data.subarray(rows[i] * per, (rows[i] + 1) * per) as ArrayLike<unknown>, i * per);
  }
  return { dtype: a.dtype, shape: [rows.length, ...a.shape.slice(1)], data } as A;
}
