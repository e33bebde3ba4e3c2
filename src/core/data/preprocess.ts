/**
 * Input preprocessing of the `run`, `tune` and `profile` commands, applied in this order: NHWC → NCHW
 * (the channel axis moves from last to 1), scale, per-channel mean/std, per-channel standardization by the
 * set's own statistics. Every model input the runtime sees is float32 in the model's layout.
 */
import { MobiproxError } from '../errors';
import { NdArray, elementCount, toFloat32 } from './ndarray';

export interface Preprocessing {
  nhwc?: boolean;
  scale?: number;
  mean?: number[];
  std?: number[];
  standardize?: boolean;
}

export function preprocess(x: NdArray, p: Preprocessing, file = 'input'): NdArray<Float32Array> {
  if (x.shape.length < 2) {
    throw new MobiproxError(`${file} has shape (${x.shape.join(', ')}); expected [samples, ...] with at least 2 axes.`, { file });
  }
  let data: Float32Array = Float32Array.from(toFloat32(x));
  let shape = x.shape.slice();
  if (p.nhwc) ({ data, shape } = channelsFirst(data, shape));
  if (p.scale !== undefined && p.scale !== 1) for (let i = 0; i < data.length; i++) data[i] *= p.scale;
  if (p.mean || p.std) normalize(data, shape, p.mean ?? [0], p.std ?? [1], file);
  if (p.standardize) standardize(data, shape);
  return { dtype: 'float32', shape, data };
}

/** Moves the last axis to position 1: [N, ..., C] → [N, C, ...]. */
function channelsFirst(src: Float32Array, shape: number[]): { data: Float32Array; shape: number[] } {
  const n = shape[0];
  const c = shape[shape.length - 1];
  const inner = elementCount(shape.slice(1, -1));
  const dst = new Float32Array(src.length);
  for (let s = 0; s < n; s++) {
    const base = s * inner * c;
    for (let i = 0; i < inner; i++) for (let k = 0; k < c; k++) dst[base + k * inner + i] = src[base + i * c + k];
  }
  return { data: dst, shape: [n, c, ...shape.slice(1, -1)] };
}

function channelView(shape: number[]): { n: number; c: number; inner: number } {
  return { n: shape[0], c: shape[1], inner: elementCount(shape.slice(2)) };
}

function normalize(data: Float32Array, shape: number[], mean: number[], std: number[], file: string): void {
  const { n, c, inner } = channelView(shape);
  for (const [name, v] of [['--mean', mean], ['--std', std]] as const) {
    if (v.length !== 1 && v.length !== c) {
      throw new MobiproxError(`${name} has ${v.length} values but ${file} has ${c} channels (axis 1).`, { value: v });
    }
  }
  if (std.some((s) => !(s > 0) && !(s < 0))) throw new MobiproxError(`--std must not contain 0.`, { value: std });
  for (let s = 0; s < n; s++) {
    for (let k = 0; k < c; k++) {
      const m = mean.length === 1 ? mean[0] : mean[k];
      const d = std.length === 1 ? std[0] : std[k];
      const base = (s * c + k) * inner;
      for (let i = 0; i < inner; i++) data[base + i] = (data[base + i] - m) / d;
    }
  }
}

/** Per channel over the whole set: subtract the mean, divide by the population standard deviation. */
export function channelStatistics(data: Float32Array, shape: number[]): { mean: number[]; std: number[] } {
  const { n, c, inner } = channelView(shape);
  const mean: number[] = [];
  const std: number[] = [];
  for (let k = 0; k < c; k++) {
    let sum = 0;
    for (let s = 0; s < n; s++) for (let i = 0, b = (s * c + k) * inner; i < inner; i++) sum += data[b + i];
    const m = sum / (n * inner);
    let sq = 0;
    for (let s = 0; s < n; s++) {
      for (let i = 0, b = (s * c + k) * inner; i < inner; i++) sq += (data[b + i] - m) ** 2;
    }
    mean.push(m);
    std.push(Math.sqrt(sq / (n * inner)) || 1);
  }
  return { mean, std };
}

function standardize(data: Float32Array, shape: number[]): void {
  const { mean, std } = channelStatistics(data, shape);
  const { n, c, inner } = channelView(shape);
  for (let s = 0; s < n; s++) {
    for (let k = 0; k < c; k++) {
      for (let i = 0, b = (s * c + k) * inner; i < inner; i++) data[b + i] = (data[b + i] - mean[k]) / std[k];
    }
  }
}

/** Checks that samples match the model's per-sample input shape and hold only finite numbers. */
export function checkModelInput(x: NdArray<Float32Array>, expected: number[], file: string): void {
  const got = x.shape.slice(1);
  if (got.length !== expected.length || got.some((d, i) => d !== expected[i])) {
    const hint = got.length === expected.length && elementCount(got) === elementCount(expected)
      && got[got.length - 1] === expected[0] ? ' The channels look last: add --nhwc.' : '';
    throw new MobiproxError(
      `${file} has samples of shape [${got.join(', ')}] but the model expects [${expected.join(', ')}].${hint}`,
      { file, value: got },
    );
  }
  const bad = x.data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    const per = elementCount(expected);
    throw new MobiproxError(
      `${file} holds ${x.data[bad]} at sample ${Math.floor(bad / per)} (element ${bad % per}); inputs must be finite numbers.`,
      { file, value: x.data[bad] },
    );
  }
}
