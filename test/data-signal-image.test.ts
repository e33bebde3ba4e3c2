/**
 * UCI-HAR signal images (src/core/data/signalImage.ts) against their twin in the training script
 * (toolchain/train/har_signal_image.py): MobileNetV2-HAR was trained on the Python images, so the product
 * must build the same pixels.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readNpy, writeNpy } from '../src/core/data/npy';
import { HAR_WINDOW, SIGNAL_IMAGE_SIZE, signalImageIndex, signalImageRowStarts, signalImages } from '../src/core/data/signalImage';
import { REPO_ROOT, SHARED, requireShared } from './support/engine';
import { SYSTEM_PYTHON, requireNumpy } from './support/requirements';

const TRANSFORM = path.join(REPO_ROOT, 'toolchain/train/har_signal_image.py');

/** Python's signal_images over the windows in `input`, written to `output`. */
function pythonImages(input: string, output: string): void {
  const code = 'import sys, numpy as np; sys.path.insert(0, sys.argv[1]); import har_signal_image as h; ' +
    'np.save(sys.argv[3], h.signal_images(np.load(sys.argv[2])))';
  execFileSync(SYSTEM_PYTHON, ['-c', code, path.dirname(TRANSFORM), input, output]);
}

describe('data: UCI-HAR signal images', () => {
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpx-sigimg-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('steps each axis evenly from sample 0 to 96, so that its rows cover the whole window', () => {
    const starts = signalImageRowStarts();
    assert.deepEqual(starts.filter((_, r) => r % 3 === 0), [0, 10, 19, 29, 38, 48, 58, 67, 77, 86, 96]);
    assert.deepEqual(starts.filter((_, r) => r % 3 === 2), [0, 11, 21, 32, 43, 53, 64, 75, 85, 96]);
    const index = signalImageIndex();
    const s = SIGNAL_IMAGE_SIZE;
    for (let k = 0; k < 3; k++)
      for (let a = 0; a < 3; a++) {
        const seen = new Set<number>();
        for (let r = a; r < s; r += 3)
          for (let c = 0; c < s; c++) {
            const at = index[(k * s + r) * s + c];
            assert.equal(Math.floor(at / HAR_WINDOW), 3 * k + a, `channel ${k} row ${r} reads another signal`);
            if (c > 0) assert.equal(at, index[(k * s + r) * s + c - 1] + 1, 'a row is consecutive samples');
            seen.add(at % HAR_WINDOW);
          }
        assert.equal(seen.size, HAR_WINDOW, `sensor ${k} axis ${a} leaves samples out`);
      }
  });

  it('builds the same pixels as the training script', function () {
    requireNumpy(this, `to run ${TRANSFORM}`);
    const n = 5;
    const data = Float32Array.from({ length: n * 9 * HAR_WINDOW }, (_, i) => Math.sin(i * 0.37) * (1 + (i % 7)));
    writeNpy(path.join(dir, 'w.npy'), { dtype: 'float32', shape: [n, 9, HAR_WINDOW], data });
    pythonImages(path.join(dir, 'w.npy'), path.join(dir, 'py.npy'));
    const want = readNpy(path.join(dir, 'py.npy'));
    const got = signalImages(readNpy(path.join(dir, 'w.npy')));
    assert.deepEqual(got.shape, want.shape);
    assert.deepEqual(Array.from(got.data), Array.from(want.data as Float32Array));
  });

  it('turns UCI-HAR test windows into the training script\'s images', function () {
    requireShared(this, 'datasets/uci-har/test_x.npy');
    requireNumpy(this, `to run ${TRANSFORM}`);
    const x = readNpy(path.join(SHARED, 'datasets/uci-har/test_x.npy'));
    const rows = 64;
    const head = { dtype: 'float32' as const, shape: [rows, 9, HAR_WINDOW], data: (x.data as Float32Array).slice(0, rows * 9 * HAR_WINDOW) };
    writeNpy(path.join(dir, 'head.npy'), head);
    pythonImages(path.join(dir, 'head.npy'), path.join(dir, 'head-py.npy'));
    assert.deepEqual(Array.from(signalImages(head).data), Array.from(readNpy(path.join(dir, 'head-py.npy')).data as Float32Array));
  });

  it('refuses windows of another shape', () => {
    assert.throws(() => signalImages({ dtype: 'float32', shape: [2, 128, 9], data: new Float32Array(2 * 128 * 9) }), /\[N, 9, 128\]/);
  });
});
