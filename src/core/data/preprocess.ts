/**
 * Input preprocessing of the `run`, `tune` and `profile` commands, applied in this order: NHWC → NCHW
 * (the channel axis moves from last to 1), scale, per-channel mean/std, per-channel standardization by the
 * set's own statistics. Every model input the runtime sees is float32 in the model's layout. The channels
 * are the model's channel axis: 1, or the last axis of a model that takes channels-last input.
 */
import type { InputLayout } from '../compile';
import { MobiproxError } from '../errors';
import { NdArray, elementCount, toFloat32 } from './ndarray';

export interface Preprocessing {
  nhwc?: boolean;
  scale?: number;
  mean?: number[];
  std?: number[];
  standardize?: boolean;
}

/** What preprocessing needs to know of the model: its per-sample input shape and where its channels are. */
export interface ModelInput {
  inputShape: number[];
  inputLayout: InputLayout;
}

/** The channel axis of the preprocessed data and why it is that one, for messages. */
interface Channels { axis: number; why: string }

export function preprocess(x: NdArray, p: Preprocessing, file = 'input', model?: ModelInput): NdArray<Float32Array> {
  if (x.shape.length < 2) {
    throw new MobiproxError(`${file} has shape (${x.shape.join(', ')}); expected [samples, ...] with at least 2 axes.`, { file });
  }
  const layout = model?.inputLayout;
  const expected = model ? `[${model.inputShape.join(', ')}]` : '';
  if (p.nhwc && layout?.channelsLast) {
    throw new MobiproxError(
      `--nhwc moves channels-last input to channels-first, but the model takes channels-last input ${expected}` +
        `${layout.transposedBy ? ` (its node '${layout.transposedBy}' moves the channels itself)` : ''}: drop --nhwc.`,
      { file },
    );
  }
  let data: Float32Array = Float32Array.from(toFloat32(x));
  let shape = x.shape.slice();
  if (p.nhwc) ({ data, shape } = channelsFirst(data, shape));
  const channels: Channels = p.nhwc
    ? { axis: 1, why: 'axis 1: --nhwc moved the last axis there' }
    : layout?.channelsLast
      ? { axis: shape.length - 1, why: `the last axis, ${shape.length - 1}: the model takes channels-last input ${expected}` }
      : { axis: 1, why: model ? `axis 1: the model takes channels-first input ${expected}` : 'axis 1' };
  if (p.scale !== undefined && p.scale !== 1) for (let i = 0; i < data.length; i++) data[i] *= p.scale;
  if (p.mean || p.std) normalize(data, shape, channels, p.mean ?? [0], p.std ?? [1], file);
  if (p.standardize) standardize(data, shape, channels.axis);
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

/** The data as [n, c, inner] around the channel axis: n counts everything before it (samples, and rows and
 * columns of channels-last input), inner everything after it. */
function channelView(shape: number[], axis: number): { n: number; c: number; inner: number } {
  return { n: elementCount(shape.slice(0, axis)), c: shape[axis], inner: elementCount(shape.slice(axis + 1)) };
}

function normalize(data: Float32Array, shape: number[], channels: Channels, mean: number[], std: number[], file: string): void {
  const { n, c, inner } = channelView(shape, channels.axis);
  for (const [name, v] of [['--mean', mean], ['--std', std]] as const) {
    if (v.length !== 1 && v.length !== c) {
      throw new MobiproxError(`${name} has ${v.length} values but ${file} has ${c} channels (${channels.why}).`, { value: v });
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

/** Per channel (of axis `axis`) over the whole set: the mean and the population standard deviation. */
export function channelStatistics(data: Float32Array, shape: number[], axis = 1): { mean: number[]; std: number[] } {
  const { n, c, inner } = channelView(shape, axis);
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

/** Per channel over the whole set: subtract the mean, divide by the population standard deviation. */
function standardize(data: Float32Array, shape: number[], axis: number): void {
  const { mean, std } = channelStatistics(data, shape, axis);
  const { n, c, inner } = channelView(shape, axis);
  for (let s = 0; s < n; s++) {
    for (let k = 0; k < c; k++) {
      for (let i = 0, b = (s * c + k) * inner; i < inner; i++) data[b + i] = (data[b + i] - mean[k]) / std[k];
    }
  }
}

/** Checks that samples match the model's per-sample input shape and hold only finite numbers. */
export function checkModelInput(x: NdArray<Float32Array>, expected: number[], file: string, layout?: InputLayout): void {
  const got = x.shape.slice(1);
  if (got.length !== expected.length || got.some((d, i) => d !== expected[i])) {
    const permuted = got.length === expected.length && elementCount(got) === elementCount(expected);
    const hint = !permuted ? ''
      : layout?.channelsLast
        ? (got[0] === expected[expected.length - 1] ? ' The channels look first, but the model takes them last (channels-last input).' : '')
        : (got[got.length - 1] === expected[0] ? ' The channels look last: add --nhwc.' : '');
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
