/**
 * The MobileNetV2-HAR sets of the reproduction, built by the product from the UCI-HAR windows of ../shared
 * (src/core/data/signalImage.ts, the twin of the training script's transform), and the model itself, which
 * is trained on demand (toolchain/train/train_mobilenet_har.py, a few minutes on one core) because it is
 * not shipped. Validation: the train subjects the model was not fitted on (tuning and calibration);
 * test: the 9 test subjects in recording order (the device profile and the traces).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NdArray } from '../../src/core/data/ndarray';
import { readNpy, writeNpy } from '../../src/core/data/npy';
import { gatherRows } from '../../src/core/data/rowOrder';
import { signalImages } from '../../src/core/data/signalImage';

/** The train subjects held out of fitting, as in toolchain/train/har_signal_image.py. */
export const HAR_VAL_SUBJECTS = [5, 11, 17, 23, 29];

export interface HarImageSet {
  input: string;
  labels: string;
  groups: string;
}

export function harImageSetPaths(dir: string): { val: HarImageSet; test: HarImageSet } {
  const set = (s: string) => ({ input: path.join(dir, `${s}-x.npy`), labels: path.join(dir, `${s}-y.npy`), groups: path.join(dir, `${s}-subject.npy`) });
  return { val: set('val'), test: set('test') };
}

/** Writes the sets of harImageSetPaths(dir) from the UCI-HAR folder `uciHar`; returns their sizes. */
export function buildHarImageSets(uciHar: string, dir: string): { val: number; test: number } {
  fs.mkdirSync(dir, { recursive: true });
  const p = harImageSetPaths(dir);
  const sizes = { val: 0, test: 0 };
  for (const [split, source] of [['val', 'train'], ['test', 'test']] as const) {
    const x = readNpy(path.join(uciHar, `${source}_x.npy`));
    const y = readNpy(path.join(uciHar, `${source}_y.npy`));
    const subject = readNpy(path.join(uciHar, `${source}_subject.npy`));
    const subjects = Array.from(subject.data as ArrayLike<number>);
    const rows = Uint32Array.from(subjects.flatMap((s, i) => (split === 'test' || HAR_VAL_SUBJECTS.includes(s) ? [i] : [])));
    const int32 = (a: NdArray): NdArray => ({ dtype: 'int32', shape: [rows.length], data: Int32Array.from(gatherRows(a, rows).data as ArrayLike<number>) });
    writeNpy(p[split].input, signalImages(gatherRows(x, rows)));
    writeNpy(p[split].labels, int32(y));
    writeNpy(p[split].groups, int32(subject));
    sizes[split] = rows.length;
  }
  return sizes;
}

/** Trains the model into `out` unless it is there (seeded and deterministic: the same file each time on one PyTorch build). */
export function ensureMobileNetHar(repo: string, uciHar: string, out: string): void {
  if (fs.existsSync(path.join(out, 'mobilenetv2-har.onnx'))) return;
  const script = path.join(repo, 'toolchain/train/train_mobilenet_har.py');
  const r = spawnSync('/usr/bin/python3', [script, '--data', uciHar, '--out', out], { stdio: ['ignore', process.stderr, process.stderr] });
  if (r.status !== 0)
    throw new Error(`training MobileNetV2-HAR failed (${script}; it needs Debian's python3-torch and python3-onnx): exit ${r.status ?? r.signal}`);
}
