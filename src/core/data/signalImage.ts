/**
 * UCI-HAR "signal images" for the MobileNetV2 HAR network of the Mobiprox paper: one raw inertial window
 * [9, 128] (body_acc x,y,z, body_gyro x,y,z, total_acc x,y,z; 128 samples at 50 Hz) becomes one 32×32×3
 * image [3, 32, 32]. The twin of toolchain/train/har_signal_image.py, which the network was trained with;
 * test/data-signal-image.test.ts holds the two to the same bits.
 *
 * Image channel k is sensor k (body_acc, body_gyro, total_acc). Row r holds 32 consecutive samples of axis
 * a = r mod 3 from sample start(r) = round_half_up(j · 96 / (n_a − 1)), j = r div 3, n_a = 11 rows for x
 * and y, 10 for z: each axis's rows step evenly from sample 0 to 96 and cover all 128 samples, horizontal
 * neighbours are consecutive samples and vertical neighbours the other axes over nearly the same span.
 */
import { NdArray, toFloat32 } from './ndarray';

export const SIGNAL_IMAGE_SIZE = 32;
export const HAR_WINDOW = 128;
export const HAR_SIGNALS = 9;

/** First sample of each of the 32 rows. */
export function signalImageRowStarts(): number[] {
  const span = HAR_WINDOW - SIGNAL_IMAGE_SIZE;
  return Array.from({ length: SIGNAL_IMAGE_SIZE }, (_, r) => {
    const a = r % 3;
    const j = Math.floor(r / 3);
    const n = Math.ceil((SIGNAL_IMAGE_SIZE - a) / 3);
    return Math.floor((2 * j * span + (n - 1)) / (2 * (n - 1)));
  });
}

/** For every pixel of [3, 32, 32], its offset in the flattened [9 · 128] window. */
export function signalImageIndex(): Int32Array {
  const s = SIGNAL_IMAGE_SIZE;
  const starts = signalImageRowStarts();
  const index = new Int32Array(3 * s * s);
  for (let k = 0; k < 3; k++)
    for (let r = 0; r < s; r++)
      for (let c = 0; c < s; c++) index[(k * s + r) * s + c] = (3 * k + (r % 3)) * HAR_WINDOW + starts[r] + c;
  return index;
}

/** [N, 9, 128] channel-major windows (as in ../shared/datasets/uci-har) → [N, 3, 32, 32] float32 images. */
export function signalImages(windows: NdArray): NdArray<Float32Array> {
  const [n, signals, window] = windows.shape;
  if (windows.shape.length !== 3 || signals !== HAR_SIGNALS || window !== HAR_WINDOW)
    throw new Error(`signal images take windows [N, ${HAR_SIGNALS}, ${HAR_WINDOW}], not [${windows.shape.join(', ')}]`);
  const x = toFloat32(windows);
  const index = signalImageIndex();
  const per = HAR_SIGNALS * HAR_WINDOW;
  const out = new Float32Array(n * index.length);
  for (let i = 0; i < n; i++) {
    const src = i * per;
    const dst = i * index.length;
    for (let p = 0; p < index.length; p++) out[dst + p] = x[src + index[p]];
  }
  return { dtype: 'float32', shape: [n, 3, SIGNAL_IMAGE_SIZE, SIGNAL_IMAGE_SIZE], data: out };
}
