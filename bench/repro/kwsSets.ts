/**
 * The keyword-spotting sets of the reproduction, built by the product from the Speech Commands WAVs: the
 * noisy trace (the paper's Fig. 8) of 600 test-speaker utterances, never seen in training, and, to tune and
 * calibrate on, the validation speakers' clips. The shipped model was fitted on the train speakers only
 * (media/models/kws-mobiprox.json, train_kws.py --fit train), so tuning and calibration see held-out speakers.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { clipFeatures } from '../../src/core/audio/features';
import { DEFAULT_TRACE, buildNoisyTrace } from '../../src/core/audio/noisyTrace';
import { datasetClips } from '../../src/core/audio/speechCommands';
import { writeNpy } from '../../src/core/data/npy';

export interface KwsSets {
  trace: { input: string; labels: string; snr: string };
  val: { input: string; labels: string };
}

/** Utterances in the trace: nearly all of the 611 test-speaker clips of ../shared's subset. */
const TRACE_UTTERANCES = 600;

export function kwsSetPaths(dir: string): KwsSets {
  return {
    trace: { input: path.join(dir, 'trace-x.npy'), labels: path.join(dir, 'trace-y.npy'), snr: path.join(dir, 'trace-snr.npy') },
    val: { input: path.join(dir, 'val-x.npy'), labels: path.join(dir, 'val-y.npy') },
  };
}

/** Writes the sets of kwsSetPaths(dir) from the data set at `root`; returns how many clips each holds. */
export function buildKwsSets(root: string, dir: string): { trace: number; val: number } {
  const p = kwsSetPaths(dir);
  fs.mkdirSync(dir, { recursive: true });
  const trace = buildNoisyTrace(root, { ...DEFAULT_TRACE, utterances: TRACE_UTTERANCES });
  writeNpy(p.trace.input, trace.x);
  writeNpy(p.trace.labels, trace.y);
  writeNpy(p.trace.snr, trace.snr);
  const clips = datasetClips(root, 'val');
  writeNpy(p.val.input, clipFeatures(clips.map((c) => c.file)));
  writeNpy(p.val.labels, { dtype: 'int32', shape: [clips.length], data: Int32Array.from(clips, (c) => c.label) });
  return { trace: trace.y.shape[0], val: clips.length };
}
