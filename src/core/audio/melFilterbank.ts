/**
 * Triangular mel filters (HTK mel scale, peak 1, no area normalization) over the bins of a power
 * spectrum: band m rises from edge m to edge m+1 and falls to edge m+2, the edges equally spaced in mel.
 */
export interface MelFilterbankOptions {
  bands: number;
  fftSize: number;
  sampleRate: number;
  minHz: number;
  maxHz: number;
}

/** Band m as its non-zero weights, starting at spectrum bin `first`. */
export interface MelBand {
  first: number;
  weights: Float64Array;
}

const hzToMel = (f: number) => 2595 * Math.log10(1 + f / 700);
const melToHz = (m: number) => 700 * (10 ** (m / 2595) - 1);

export function melFilterbank(o: MelFilterbankOptions): MelBand[] {
  const lo = hzToMel(o.minHz);
  const hi = hzToMel(o.maxHz);
  const edges = Array.from({ length: o.bands + 2 }, (_, i) => melToHz(lo + ((hi - lo) * i) / (o.bands + 1)));
  const bins = o.fftSize / 2 + 1;
  const bands: MelBand[] = [];
  for (let m = 0; m < o.bands; m++) {
    const [left, centre, right] = [edges[m], edges[m + 1], edges[m + 2]];
    const w = new Float64Array(bins);
    for (let k = 0; k < bins; k++) {
      const f = (k * o.sampleRate) / o.fftSize;
      w[k] = Math.max(0, Math.min((f - left) / (centre - left), (right - f) / (right - centre)));
    }
    let first = 0;
    while (first < bins && w[first] === 0) first++;
    let last = bins - 1;
    while (last >= first && w[last] === 0) last--;
    bands.push({ first, weights: w.slice(first, last + 1) });
  }
  return bands;
}
