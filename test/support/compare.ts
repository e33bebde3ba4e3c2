/** Numeric comparison of an engine result with a reference, with a message that locates the worst element. */
import { strict as assert } from 'node:assert';

export interface Deviation {
  maxAbs: number;
  at: number;
  refMax: number;
}

export function deviation(got: ArrayLike<number>, ref: ArrayLike<number>): Deviation {
  let maxAbs = 0;
  let at = -1;
  let refMax = 0;
  for (let i = 0; i < ref.length; i++) {
    refMax = Math.max(refMax, Math.abs(ref[i]));
    const d = Math.abs(got[i] - ref[i]);
    if (!(d <= maxAbs)) {
      maxAbs = Number.isNaN(d) ? Infinity : d;
      at = i;
    }
  }
  return { maxAbs, at, refMax };
}

/** |got − ref| ≤ tol · max(1, max|ref|) everywhere, and the same element count. */
export function assertClose(got: ArrayLike<number>, ref: ArrayLike<number>, tol: number, label: string): Deviation {
  assert.equal(got.length, ref.length, `${label}: ${got.length} outputs, reference has ${ref.length}`);
  const d = deviation(got, ref);
  const bound = tol * Math.max(1, d.refMax);
  assert.ok(
    d.maxAbs <= bound,
    `${label}: max |error| ${d.maxAbs.toExponential(3)} > ${bound.toExponential(3)} at element ${d.at} ` +
      `(got ${got[d.at]}, reference ${ref[d.at]}, max |ref| ${d.refMax.toPrecision(4)})`,
  );
  return d;
}
