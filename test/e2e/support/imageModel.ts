/**
 * A channels-first image model and channels-last 8-bit images, as a user brings them (a CIFAR-style network
 * with NHWC uint8 data): the model tells bright from dark by its first channel's mean, so it is right on every
 * sample once the pixels are scaled to [0, 1] and the channels moved first, and guesses on raw pixels (every
 * mean is far above its 0.5 threshold). 200 samples, half of each class: the data preview's size.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeNpy } from '../../../src/core/data/npy';
import { OnnxBuilder } from '../../support/onnxBuilder';

export const IMAGE_MODEL = 'images.onnx';
export const IMAGE_INPUT = 'images-x.npy';
export const IMAGE_LABELS = 'images-y.npy';

export function writeImageModel(dir: string): void {
  const b = new OnnxBuilder(13);
  const x = b.input('image', [null, 3, 8, 8]);
  const identity = [1, 0, 0, 0, 1, 0, 0, 0, 1];
  const [conv] = b.node('Conv', [x, b.constant('w', [3, 3, 1, 1], identity)], {}, 'conv');
  const [pooled] = b.node('GlobalAveragePool', [conv], {}, 'pool');
  const [flat] = b.node('Flatten', [pooled], { axis: 1 }, 'flatten');
  // class 1 when the first channel's mean is above 0.5
  const [logits] = b.node('Gemm', [flat, b.constant('fc_w', [3, 2], [-10, 10, 0, 0, 0, 0]), b.constant('fc_b', [2], [5, -5])], {}, 'fc');
  const [y] = b.node('Softmax', [logits], { axis: 1 }, 'softmax');
  b.output(y, [null, 2]);
  fs.writeFileSync(path.join(dir, IMAGE_MODEL), b.build());

  const n = 200;
  const pixels = new Uint8Array(n * 8 * 8 * 3);
  const labels = new BigInt64Array(n);
  for (let i = 0; i < n; i++) {
    const bright = i % 2;
    labels[i] = BigInt(bright);
    for (let p = 0; p < 64; p++) {
      const at = (i * 64 + p) * 3;
      pixels[at] = bright ? 180 + ((i + p) % 60) : 20 + ((i + p) % 60);
      pixels[at + 1] = (i * 7 + p * 13) % 256;
      pixels[at + 2] = (i * 11 + p * 5) % 256;
    }
  }
  fs.writeFileSync(path.join(dir, IMAGE_INPUT), encodeNpy({ dtype: 'uint8', shape: [n, 8, 8, 3], data: pixels }));
  fs.writeFileSync(path.join(dir, IMAGE_LABELS), encodeNpy({ dtype: 'int64', shape: [n], data: labels }));
}
