/**
 * The keyword-spotting front end: a 1 s clip of 16 kHz audio → log-mel features [40 bands, 101 frames].
 * toolchain/train/kws_frontend.py is its twin (the model is trained on its output), so a change here must
 * be made there too; test/audio-logmel.test.ts holds the two together.
 *
 * Clip fitted to 16 000 samples (zero-padded or cut), 200 zeros on each side so that frames are centred;
 * 101 frames of 400 samples (25 ms) every 160 (10 ms); periodic Hann window; 512-point FFT power;
 * 40 HTK-mel bands from 20 Hz to 8 kHz; natural log of (energy + 1e-6). float64 throughout, float32 out.
 */
import { melFilterbank } from './melFilterbank';
import { PowerSpectrum } from './powerSpectrum';
import { SAMPLE_RATE } from './wav';

export const CLIP_SAMPLES = SAMPLE_RATE;
export const WINDOW = 400;
export const HOP = 160;
export const FFT_SIZE = 512;
export const MEL_BANDS = 40;
export const FRAMES = 1 + CLIP_SAMPLES / HOP;
const LOG_FLOOR = 1e-6;

/** The model's per-sample input shape: [channels, bands, frames]. */
export const LOG_MEL_SHAPE = [1, MEL_BANDS, FRAMES];

const hann = Float64Array.from({ length: WINDOW }, (_, n) => 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / WINDOW));
const bands = melFilterbank({ bands: MEL_BANDS, fftSize: FFT_SIZE, sampleRate: SAMPLE_RATE, minHz: 20, maxHz: SAMPLE_RATE / 2 });
const spectrum = new PowerSpectrum(FFT_SIZE);

/** Log-mel features of one clip, band-major ([band][frame]), written into `out` at `offset` if given. */
export function logMel(samples: ArrayLike<number>, out = new Float32Array(MEL_BANDS * FRAMES), offset = 0): Float32Array {
  const frame = new Float64Array(WINDOW);
  const power = new Float64Array(spectrum.bins);
  const pad = WINDOW / 2;
  const length = Math.min(samples.length, CLIP_SAMPLES);
  for (let t = 0; t < FRAMES; t++) {
    for (let i = 0; i < WINDOW; i++) {
      const s = t * HOP + i - pad;
      frame[i] = s >= 0 && s < length ? samples[s] * hann[i] : 0;
    }
    spectrum.compute(frame, power);
    for (let m = 0; m < MEL_BANDS; m++) {
      const { first, weights } = bands[m];
      let energy = 0;
      for (let k = 0; k < weights.length; k++) energy += weights[k] * power[first + k];
      out[offset + m * FRAMES + t] = Math.log(energy + LOG_FLOOR);
    }
  }
  return out;
}
