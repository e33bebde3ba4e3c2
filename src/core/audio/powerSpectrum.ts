/**
 * The power spectrum |X[k]|², k = 0..n/2, of a real frame by an iterative radix-2 FFT in float64.
 * Frames shorter than n are zero-padded. Tables are built once per size; the transform allocates nothing.
 */
export class PowerSpectrum {
  readonly bins: number;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly reversed: Uint32Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;

  constructor(readonly n: number) {
    if (!(n >= 2 && (n & (n - 1)) === 0)) throw new RangeError(`FFT size ${n} is not a power of two ≥ 2.`);
    this.bins = n / 2 + 1;
    this.cos = new Float64Array(n / 2);
    this.sin = new Float64Array(n / 2);
    for (let k = 0; k < n / 2; k++) {
      this.cos[k] = Math.cos((2 * Math.PI * k) / n);
      this.sin[k] = -Math.sin((2 * Math.PI * k) / n);
    }
    const bits = Math.log2(n);
    this.reversed = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.reversed[i] = r;
    }
    this.re = new Float64Array(n);
    this.im = new Float64Array(n);
  }

  /** Writes `bins` values into `out`. */
  compute(frame: ArrayLike<number>, out: Float64Array): void {
    const { n, re, im, reversed } = this;
    for (let i = 0; i < n; i++) {
      const src = reversed[i];
      re[i] = src < frame.length ? frame[src] : 0;
      im[i] = 0;
    }
    for (let size = 2; size <= n; size *= 2) {
      const half = size / 2;
      const step = n / size;
      for (let start = 0; start < n; start += size) {
        for (let j = 0; j < half; j++) {
          const wr = this.cos[j * step];
          const wi = this.sin[j * step];
          const a = start + j;
          const b = a + half;
          const tr = re[b] * wr - im[b] * wi;
          const ti = re[b] * wi + im[b] * wr;
          re[b] = re[a] - tr;
          im[b] = im[a] - ti;
          re[a] += tr;
          im[a] += ti;
        }
      }
    }
    for (let k = 0; k < this.bins; k++) out[k] = re[k] * re[k] + im[k] * im[k];
  }
}
