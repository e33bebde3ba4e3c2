/**
 * IEEE 754 binary16 rounding written from the definition, independently of the runtime's bit tricks:
 * a finite binary16 value is ±m·2^(e−10) with 11-bit significand m (1024 ≤ m < 2048 for normals,
 * e ∈ [−14, 15]) or ±m·2^−24 with m < 1024 (subnormals). Rounding is to nearest, ties to the even m;
 * magnitudes that round to 2^16 or above overflow to infinity.
 */

const MAX_FINITE = 65504;

/** The binary16 value nearest to x (ties to even), as a number. */
export function roundHalf(x: number): number {
  if (Number.isNaN(x) || x === 0 || !Number.isFinite(x)) return x;
  const sign = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  // Exponent of the spacing: subnormals share the spacing of the smallest normals.
  const e = Math.max(Math.floor(Math.log2(a)), -14);
  // log2 can be off by one just below a power of two; correct it so that 2^e <= a < 2^(e+1) (or subnormal).
  let exp = e;
  if (exp > -14 && 2 ** exp > a) exp--;
  if (2 ** (exp + 1) <= a) exp++;
  const step = 2 ** (exp - 10);
  const q = a / step; // exact: division by a power of two
  let m = Math.floor(q);
  const rest = q - m;
  if (rest > 0.5 || (rest === 0.5 && m % 2 === 1)) m++;
  const r = m * step;
  if (r > MAX_FINITE) return sign * Infinity;
  return sign * r;
}

/** The spacing of binary16 values around |x| (2^-24 in the subnormal range). */
export function ulpHalf(x: number): number {
  const a = Math.abs(x);
  if (a < 2 ** -14) return 2 ** -24;
  return 2 ** (Math.floor(Math.log2(a)) - 10);
}

export function roundHalfArray(a: ArrayLike<number>): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = roundHalf(a[i]);
  return out;
}
