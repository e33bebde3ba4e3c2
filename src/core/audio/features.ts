/** Log-mel features of a list of WAV clips as one model input set [n, 1, 40, 101] float32. */
import { NdArray } from '../data/ndarray';
import { FRAMES, LOG_MEL_SHAPE, MEL_BANDS, logMel } from './logMel';
import { readWav } from './wav';

export function clipFeatures(files: string[], onClip?: (done: number) => void): NdArray<Float32Array> {
  const per = MEL_BANDS * FRAMES;
  const data = new Float32Array(files.length * per);
  files.forEach((file, i) => {
    logMel(readWav(file), data, i * per);
    onClip?.(i + 1);
  });
  return { dtype: 'float32', shape: [files.length, ...LOG_MEL_SHAPE], data };
}
