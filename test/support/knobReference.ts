/**
 * A deliberately plain TypeScript model of one convolution layer under an approximation knob, written from
 * src/core/DESIGN.md §2 and FORMAT.md (layer records) without looking at the runtime: a direct
 * convolution in float64, perforation as "compute everything, keep the computed rows/columns, refill the
 * skipped ones by rules 1–4", sampling as a dense convolution with dropped weights zeroed and kept ones
 * scaled by x/(x−1), and fp16 as rounding the operands and the result of each step to binary16.
 */
import { roundHalf, ulpHalf } from './binary16';

export interface ConvGeometry {
  N: number; C: number; H: number; W: number; M: number;
  kh: number; kw: number; group: number;
  strideH: number; strideW: number;
  padTop: number; padLeft: number; padBottom: number; padRight: number;
  dilH: number; dilW: number;
}

export function outputSize(g: ConvGeometry): { Ho: number; Wo: number } {
  return {
    Ho: Math.floor((g.H + g.padTop + g.padBottom - g.dilH * (g.kh - 1) - 1) / g.strideH) + 1,
    Wo: Math.floor((g.W + g.padLeft + g.padRight - g.dilW * (g.kw - 1) - 1) / g.strideW) + 1,
  };
}

export type Activation =
  | { kind: 'none' }
  | { kind: 'relu' }
  | { kind: 'clip'; min: number; max: number }
  | { kind: 'leaky'; alpha: number };

export interface Knob {
  kind: 'exact' | 'rows' | 'cols' | 'sampling';
  stride: number;
  offset: number;
  half: boolean;
  int8: boolean;
}

/** Every knob id of src/core/DESIGN.md §2 and the int8 family of FORMAT.md. */
export const ALL_KNOB_IDS: number[] = [
  11, 12,
  ...range(121, 138), ...range(151, 168), ...range(231, 239), ...range(261, 269),
  311, ...range(321, 338), ...range(341, 349),
];

function range(lo: number, hi: number): number[] {
  return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
}

/** src/core/DESIGN.md §2's id table, spelled out. */
export function decodeKnob(id: number): Knob {
  if (id === 11 || id === 12 || id === 311) return { kind: 'exact', stride: 0, offset: 0, half: id === 12, int8: id === 311 };
  const half = (id >= 151 && id <= 168) || (id >= 261 && id <= 269);
  const int8 = id >= 321;
  // the int8 family repeats HPVM's tables: 321-338 as 121-138, 341-349 as 231-239
  const base = half ? id - 30 : id >= 341 ? id - 110 : int8 ? id - 200 : id;
  if (base >= 121 && base <= 138) {
    // 121-124: s2 (col o0, col o1, row o0, row o1); 125-130: s3 (col o0..2, row o0..2); 131-138: s4.
    const table: [Knob['kind'], number, number][] = [
      ['cols', 2, 0], ['cols', 2, 1], ['rows', 2, 0], ['rows', 2, 1],
      ['cols', 3, 0], ['cols', 3, 1], ['cols', 3, 2], ['rows', 3, 0], ['rows', 3, 1], ['rows', 3, 2],
      ['cols', 4, 0], ['cols', 4, 1], ['cols', 4, 2], ['cols', 4, 3],
      ['rows', 4, 0], ['rows', 4, 1], ['rows', 4, 2], ['rows', 4, 3],
    ];
    const [kind, stride, offset] = table[base - 121];
    return { kind, stride, offset, half, int8 };
  }
  if (base >= 231 && base <= 239) {
    const table: [number, number][] = [[2, 0], [2, 1], [3, 0], [3, 1], [3, 2], [4, 0], [4, 1], [4, 2], [4, 3]];
    const [stride, offset] = table[base - 231];
    return { kind: 'sampling', stride, offset, half, int8 };
  }
  throw new Error(`${id} is not a knob id`);
}

export function knobName(id: number): string {
  if (id === 11) return 'fp32';
  if (id === 12) return 'fp16';
  if (id >= 121 && id <= 138) return 'perf';
  if (id >= 151 && id <= 168) return 'perf_fp16';
  if (id >= 231 && id <= 239) return 'samp';
  if (id >= 261 && id <= 269) return 'samp_fp16';
  if (id === 311) return 'int8';
  if (id >= 321 && id <= 338) return 'perf_int8';
  if (id >= 341 && id <= 349) return 'samp_int8';
  throw new Error(`${id} is not a knob id`);
}

/** FORMAT.md: perforation needs ≥ 2 output rows (columns); sampling needs ≥ stride elements per filter. */
export function knobApplies(g: ConvGeometry, id: number): boolean {
  const k = decodeKnob(id);
  const { Ho, Wo } = outputSize(g);
  switch (k.kind) {
    case 'exact': return true;
    case 'rows': return Ho >= 2;
    case 'cols': return Wo >= 2;
    case 'sampling': return (g.C / g.group) * g.kh * g.kw >= k.stride;
  }
}

/** The filter elements (of n = C/group·kh·kw) that sampling drops, per src/core/DESIGN.md §2. */
export function droppedElements(cPerGroup: number, kh: number, kw: number, stride: number, offset: number): boolean[] {
  const block = kh * kw;
  const n = cPerGroup * block;
  const dropped = new Array<boolean>(n).fill(false);
  if (block % stride === 0) {
    for (let c = 0; c < cPerGroup; c++) {
      const oc = (offset + c) % stride;
      for (let j = 0; j < block; j++) if (j >= oc && (j - oc) % stride === 0) dropped[c * block + j] = true;
    }
  } else {
    for (let j = 0; j < n; j++) if (j >= offset && (j - offset) % stride === 0) dropped[j] = true;
  }
  return dropped;
}

/**
 * Direct convolution in float64; also returns Σ|x·w| per output element, the scale of float32
 * accumulation error.
 */
export function directConv(x: ArrayLike<number>, w: ArrayLike<number>, g: ConvGeometry): { y: Float64Array; absSum: Float64Array } {
  const { Ho, Wo } = outputSize(g);
  const cg = g.C / g.group;
  const mg = g.M / g.group;
  const y = new Float64Array(g.N * g.M * Ho * Wo);
  const absSum = new Float64Array(y.length);
  for (let n = 0; n < g.N; n++) {
    for (let m = 0; m < g.M; m++) {
      const grp = Math.floor(m / mg);
      for (let oh = 0; oh < Ho; oh++) {
        for (let ow = 0; ow < Wo; ow++) {
          let s = 0;
          let a = 0;
          for (let c = 0; c < cg; c++) {
            const ci = grp * cg + c;
            for (let i = 0; i < g.kh; i++) {
              const ih = oh * g.strideH - g.padTop + i * g.dilH;
              if (ih < 0 || ih >= g.H) continue;
              for (let j = 0; j < g.kw; j++) {
                const iw = ow * g.strideW - g.padLeft + j * g.dilW;
                if (iw < 0 || iw >= g.W) continue;
                const p = x[((n * g.C + ci) * g.H + ih) * g.W + iw] * w[((m * cg + c) * g.kh + i) * g.kw + j];
                s += p;
                a += Math.abs(p);
              }
            }
          }
          const o = ((n * g.M + m) * Ho + oh) * Wo + ow;
          y[o] = s;
          absSum[o] = a;
        }
      }
    }
  }
  return { y, absSum };
}

/** The output rows (or columns) that perforation skips: s, s+x, s+2x, … < size. */
export function skippedIndices(size: number, stride: number, offset: number): boolean[] {
  const skipped = new Array<boolean>(size).fill(false);
  for (let r = offset; r < size; r += stride) skipped[r] = true;
  return skipped;
}

/**
 * For a skipped index r, the computed indices whose values fill it (rules 2–4); [] for a computed one.
 */
export function fillSources(size: number, stride: number, offset: number): number[][] {
  const skipped = skippedIndices(size, stride, offset);
  return skipped.map((isSkipped, r) => {
    if (!isSkipped) return [];
    if (r === size - 1) {
      let above = r - 1;
      while (skipped[above]) above--;
      return [above];
    }
    if (r === 0) return [1];
    return [r - 1, r + 1];
  });
}

export interface LayerKnobs {
  /** The conv slot's knob id. */
  conv: number;
  /** The fused bias add's knob (11 or 12). */
  bias?: number;
  /** The fused activation's knob (11 or 12). */
  act?: number;
  /** int8 knobs: the input's quantisation, x ≈ scale·(u − zero). */
  quant?: { scale: number; zero: number };
}

/** Round half to even, as C's rintf in the default rounding mode. */
function rint(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * The int8 contract (native-runtime/FORMAT.md), in float32 steps: the input quantised per tensor and shifted by
 * the zero point, each filter symmetrically over the weights it keeps (s_m = max|w| / 127), exact sums, then
 * (float)sum · fround(scale · s_m).
 */
function int8Conv(x: ArrayLike<number>, w: ArrayLike<number>, g: ConvGeometry, quant: { scale: number; zero: number }): Float64Array {
  const inv = Math.fround(1 / quant.scale);
  const xq = Float64Array.from(x, (v) => rint(Math.min(Math.max(Math.fround(v * inv), -quant.zero), 255 - quant.zero)));
  const n = (g.C / g.group) * g.kh * g.kw;
  const wq = new Float64Array(w.length);
  const filterScale: number[] = [];
  for (let m = 0; m < g.M; m++) {
    let max = 0;
    for (let j = 0; j < n; j++) max = Math.max(max, Math.abs(w[m * n + j]));
    const s = max > 0 ? Math.fround(max / 127) : 1;
    filterScale.push(s);
    for (let j = 0; j < n; j++) wq[m * n + j] = Math.min(127, Math.max(-127, rint(Math.fround(w[m * n + j] / s))));
  }
  const { y } = directConv(xq, wq, g);
  const plane = outputSize(g).Ho * outputSize(g).Wo;
  return y.map((v, i) => Math.fround(Math.fround(v) * Math.fround(quant.scale * filterScale[Math.floor(i / plane) % g.M])));
}

export interface ReferenceLayer {
  y: Float64Array;
  /**
   * Per element, a bound on |implementation − y| for a correct implementation that accumulates in
   * float32 in any order: the float32 error bound (n+3)·2^-24·Σ|x·w| (γ_n for the sum, plus the products
   * and the weight scaling), carried through every binary16 rounding as the image of the interval
   * [v − e, v + e] (so an element near a rounding boundary may differ by one binary16 ulp, the others not
   * at all). Only meaningful for the fp16 steps; fp32 layers are compared with a relative tolerance.
   */
  errorBound: Float64Array;
}

/** How far apart binary16 rounding can put two values that are at most e apart around v. */
function roundedSpread(v: number, e: number): number {
  const r = roundHalf(v);
  return Math.max(Math.abs(roundHalf(v + e) - r), Math.abs(roundHalf(v - e) - r));
}

/**
 * Sampled weights: dropped elements zeroed, kept ones multiplied by x/(x−1) — in float32, as the runtime
 * holds weights: fround(w · fround(x/(x−1))).
 */
export function sampleWeights(w: ArrayLike<number>, g: ConvGeometry, stride: number, offset: number): Float64Array {
  const n = (g.C / g.group) * g.kh * g.kw;
  const dropped = droppedElements(g.C / g.group, g.kh, g.kw, stride, offset);
  const scale = Math.fround(stride / (stride - 1));
  const out = new Float64Array(w.length);
  for (let m = 0; m < g.M; m++) {
    for (let j = 0; j < n; j++) out[m * n + j] = dropped[j] ? 0 : Math.fround(w[m * n + j] * scale);
  }
  return out;
}

/** One convolution layer (conv → bias add → activation) under a knob: N·M·Ho·Wo outputs. */
export function referenceConvLayer(
  x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number> | undefined, g: ConvGeometry,
  knobs: LayerKnobs, act: Activation,
): ReferenceLayer {
  const knob = decodeKnob(knobs.conv);
  const { Ho, Wo } = outputSize(g);
  const terms = (g.C / g.group) * g.kh * g.kw;

  let wEff: ArrayLike<number> = knob.kind === 'sampling' ? sampleWeights(w, g, knob.stride, knob.offset) : w;
  let xEff: ArrayLike<number> = x;
  if (knob.half) {
    wEff = Float64Array.from(wEff, roundHalf);
    xEff = Float64Array.from(x, roundHalf);
  }
  const direct = directConv(xEff, wEff, g);
  const { absSum } = direct;
  const conv = knob.int8 ? int8Conv(x, wEff, g, knobs.quant!) : direct.y;
  const err = new Float64Array(conv.length);
  for (let i = 0; i < conv.length; i++) {
    err[i] = (terms + 3) * 2 ** -24 * absSum[i];
    if (knob.half) {
      err[i] = roundedSpread(conv[i], err[i]);
      conv[i] = roundHalf(conv[i]);
    }
  }

  if (knob.kind === 'rows' || knob.kind === 'cols') {
    const size = knob.kind === 'rows' ? Ho : Wo;
    const sources = fillSources(size, knob.stride, knob.offset);
    const at = (plane: number, r: number, c: number) => plane * Ho * Wo + r * Wo + c;
    for (let plane = 0; plane < g.N * g.M; plane++) {
      for (let r = 0; r < Ho; r++) {
        for (let c = 0; c < Wo; c++) {
          const src = sources[knob.kind === 'rows' ? r : c];
          if (src.length === 0) continue;
          const idx = src.map((s) => (knob.kind === 'rows' ? at(plane, s, c) : at(plane, r, s)));
          const i = at(plane, r, c);
          const mean = idx.reduce((a, k) => a + conv[k], 0) / idx.length;
          const e = Math.max(...idx.map((k) => err[k]));
          if (knob.half) {
            // Whether the mean of two binary16 values is rounded again is not specified: allow both.
            err[i] = Math.max(roundedSpread(mean, e), e + Math.abs(roundHalf(mean) - mean));
            conv[i] = roundHalf(mean);
          } else {
            err[i] = e;
            conv[i] = mean;
          }
        }
      }
    }
  }

  const y = conv;
  const plane = Ho * Wo;
  const biasHalf = knobs.bias === 12;
  const actHalf = knobs.act === 12;
  for (let i = 0; i < y.length; i++) {
    const m = Math.floor(i / plane) % g.M;
    let v = y[i];
    let e = err[i];
    if (b) {
      if (biasHalf) {
        e = roundedSpread(v, e);
        const sum = roundHalf(v) + roundHalf(b[m]);
        e = roundedSpread(sum, e);
        v = roundHalf(sum);
      } else {
        v += b[m];
        e += 2 ** -24 * Math.abs(v);
      }
    }
    if (actHalf) {
      e = roundedSpread(v, e);
      v = activate(roundHalf(v), act, true);
      e = roundedSpread(v, e * (act.kind === 'leaky' ? Math.max(1, Math.abs(act.alpha)) : 1));
      v = roundHalf(v);
    } else {
      v = activate(v, act, false);
      if (act.kind === 'leaky') e *= Math.max(1, Math.abs(act.alpha));
    }
    y[i] = v;
    err[i] = e;
  }
  return { y, errorBound: err };
}

function activate(v: number, act: Activation, half: boolean): number {
  const r = half ? roundHalf : (t: number) => t;
  switch (act.kind) {
    case 'none': return v;
    case 'relu': return Math.max(v, 0);
    case 'clip': return Math.min(Math.max(v, r(act.min)), r(act.max));
    case 'leaky': return v < 0 ? v * r(act.alpha) : v;
  }
}
