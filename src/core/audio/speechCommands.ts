/**
 * The Speech Commands layout (Warden 2018): one folder per class under the data set's root, files named
 * `<speaker>_nohash_<n>.wav` (`_unknown_` prefixes the word: `<word>_<speaker>_nohash_<n>.wav`; `_silence_`
 * clips have plain names and count as their own speaker). Clips are split by speaker so that no voice is
 * both trained on and tested on. toolchain/train/kws_frontend.py mirrors this file.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MobiproxError } from '../errors';

/** The 12 classes in the model's output order. */
export const KWS_CLASSES = ['yes', 'no', 'up', 'down', 'left', 'right', 'on', 'off', 'stop', 'go', '_silence_', '_unknown_'];

export type Split = 'train' | 'val' | 'test';
export const SPLITS: readonly Split[] = ['train', 'val', 'test'];

export interface Clip {
  file: string;
  label: number;
}

export function speakerOf(file: string): string {
  const stem = path.basename(file, path.extname(file));
  return /(?:^|_)([^_]+)_nohash_\d+$/.exec(stem)?.[1] ?? stem;
}

/** train / val / test = 70 / 10 / 20 % of speakers, by the SHA-1 of the speaker id. */
export function splitOf(file: string): Split {
  const bucket = parseInt(createHash('sha1').update(speakerOf(file), 'utf8').digest('hex').slice(0, 8), 16) % 100;
  return bucket < 70 ? 'train' : bucket < 80 ? 'val' : 'test';
}

export function isDatasetRoot(dir: string): boolean {
  return KWS_CLASSES.every((c) => fs.existsSync(path.join(dir, c)));
}

/** Every clip of the data set (of one split if given): class by class, files in name order. */
export function datasetClips(root: string, split?: Split): Clip[] {
  if (!isDatasetRoot(root)) {
    const missing = KWS_CLASSES.filter((c) => !fs.existsSync(path.join(root, c)));
    throw new MobiproxError(
      `${root} is not a Speech Commands folder: it lacks the class folder(s) ${missing.join(', ')}.`, { file: root },
    );
  }
  const clips: Clip[] = [];
  KWS_CLASSES.forEach((name, label) => {
    for (const f of fs.readdirSync(path.join(root, name)).filter((f) => f.endsWith('.wav')).sort()) {
      const file = path.join(root, name, f);
      if (!split || splitOf(file) === split) clips.push({ file, label });
    }
  });
  return clips;
}

/** The class of a clip from its folder's name, or undefined when the folder is not a class. */
export function labelOf(file: string): number | undefined {
  const i = KWS_CLASSES.indexOf(path.basename(path.dirname(path.resolve(file))));
  return i < 0 ? undefined : i;
}
