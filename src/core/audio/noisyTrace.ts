/**
 * The noisy keyword trace of the adaptation experiments (the Mobiprox paper's Fig. 8): held-out
 * utterances, one after another, each mixed with white noise whose level follows a day — quiet, loud
 * at midday, quiet again. Utterance i of n (t = i / (n − 1)) gets
 *
 *     SNR(t) = high − (high − low) · (1 − cos 2πt) / 2        (default +40 dB → 0 dB at t = ½ → +40 dB)
 *
 * where SNR is the clip's RMS over the noise's RMS (the RMS of a near-silent clip is floored at 1e-4 of
 * full scale so that silence still gets noise). Utterances are the test-split speakers' clips of all 12
 * classes in a seeded shuffle, and the noise is a seeded Gaussian stream: the trace is a pure function
 * of the data set, the seed and the options.
 */
import * as path from 'node:path';
import { MobiproxError } from '../errors';
import { NdArray } from '../data/ndarray';
import { mulberry32, seededPermutation } from '../data/rowOrder';
import { FRAMES, LOG_MEL_SHAPE, MEL_BANDS, logMel } from './logMel';
import { KWS_CLASSES, datasetClips } from './speechCommands';
import { readWav } from './wav';

export interface NoisyTraceOptions {
  utterances: number;
  seed: number;
  /** SNR in dB at the start and end of the trace. */
  snrHigh: number;
  /** SNR in dB in the middle of the trace. */
  snrLow: number;
}

export const DEFAULT_TRACE: NoisyTraceOptions = { utterances: 160, seed: 0, snrHigh: 40, snrLow: 0 };

/** trace.json: how the trace was made and which clip is which row. */
export interface TraceDescription extends NoisyTraceOptions {
  utteranceList: { file: string; label: number; snrDb: number }[];
  [about: string]: unknown;
}

export interface NoisyTrace {
  x: NdArray<Float32Array>;
  y: NdArray<Int32Array>;
  snr: NdArray<Float32Array>;
  description: TraceDescription;
}

const SIGNAL_RMS_FLOOR = 1e-4;

export function snrProfile(n: number, high: number, low: number): number[] {
  return Array.from({ length: n }, (_, i) => {
    const t = n > 1 ? i / (n - 1) : 0;
    return high - ((high - low) * (1 - Math.cos(2 * Math.PI * t))) / 2;
  });
}

/** `samples` plus white Gaussian noise (from `uniform`, by Box–Muller) at `snrDb`. */
export function addWhiteNoise(samples: Float64Array, snrDb: number, uniform: () => number): Float64Array {
  const noise = new Float64Array(samples.length);
  for (let i = 0; i < noise.length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - uniform()));
    const a = 2 * Math.PI * uniform();
    noise[i] = r * Math.cos(a);
    if (i + 1 < noise.length) noise[i + 1] = r * Math.sin(a);
  }
  const gain = Math.max(rms(samples), SIGNAL_RMS_FLOOR) / rms(noise) / 10 ** (snrDb / 20);
  return samples.map((s, i) => s + gain * noise[i]);
}

function rms(a: Float64Array): number {
  let sq = 0;
  for (const v of a) sq += v * v;
  return Math.sqrt(sq / Math.max(a.length, 1));
}

export function buildNoisyTrace(dataRoot: string, o: NoisyTraceOptions, onUtterance?: (done: number) => void): NoisyTrace {
  const pool = datasetClips(dataRoot, 'test');
  if (o.utterances > pool.length) {
    throw new MobiproxError(
      `${dataRoot} has ${pool.length} test-speaker clips, fewer than the ${o.utterances} utterances asked for.`, { file: dataRoot },
    );
  }
  const clips = Array.from(seededPermutation(pool.length, o.seed).subarray(0, o.utterances), (i) => pool[i]);
  const snr = snrProfile(o.utterances, o.snrHigh, o.snrLow);
  const uniform = mulberry32(o.seed ^ 0x9e3779b9);
  const per = MEL_BANDS * FRAMES;
  const x = new Float32Array(o.utterances * per);
  clips.forEach((c, i) => {
    logMel(addWhiteNoise(readWav(c.file), snr[i], uniform), x, i * per);
    onUtterance?.(i + 1);
  });
  const y = Int32Array.from(clips, (c) => c.label);
  return {
    x: { dtype: 'float32', shape: [o.utterances, ...LOG_MEL_SHAPE], data: x },
    y: { dtype: 'int32', shape: [o.utterances], data: y },
    snr: { dtype: 'float32', shape: [o.utterances], data: Float32Array.from(snr) },
    description: {
      trace: 'keyword utterances of held-out (test-split) speakers in white noise following a day-like SNR profile',
      data: dataRoot,
      ...o,
      snrProfile: 'SNR_i = snrHigh - (snrHigh - snrLow) * (1 - cos(2*pi*i/(n-1))) / 2 dB, SNR = clip RMS / noise RMS',
      noise: `white Gaussian, mulberry32(seed ^ 0x9e3779b9) by Box-Muller; clip RMS floored at ${SIGNAL_RMS_FLOOR}`,
      features: 'x.npy [n, 1, 40, 101] float32 log-mel (src/core/audio/logMel.ts); y.npy int32 class; snr.npy float32 dB',
      classes: KWS_CLASSES,
      utteranceList: clips.map((c, i) => ({ file: path.relative(dataRoot, c.file), label: c.label, snrDb: +snr[i].toFixed(3) })),
    },
  };
}
