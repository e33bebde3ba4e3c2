/**
 * The keyword-spotting sets of the reproduction, built by the product from the Speech Commands WAVs: the
 * noisy trace (the paper's Fig. 8) and, to tune on, the held-out speakers' clips that the trace does not use.
 * The model was fitted on the train and val speakers, so only the test speakers' clips are held out.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { clipFeatures } from '../../src/core/audio/features';
import { DEFAULT_TRACE, buildNoisyTrace } from '../../src/core/audio/noisyTrace';
import { datasetClips } from '../../src/core/audio/speechCommands';
import { writeNpy } from '../../src/core/data/npy';

export interface KwsSets {
  trace: { input: string; labels: string; snr: string };
  heldOut: { input: string; labels: string };
}

export function kwsSetPaths(dir: string): KwsSets {
  return {
    trace: { input: path.join(dir, 'trace-x.npy'), labels: path.join(dir, 'trace-y.npy'), snr: path.join(dir, 'trace-snr.npy') },
    heldOut: { input: path.join(dir, 'held-out-x.npy'), labels: path.join(dir, 'held-out-y.npy') },
  };
}

/** Writes the sets of kwsSetPaths(dir) from the data set at `root`; returns how many clips each holds. */
export function buildKwsSets(root: string, dir: string): { trace: number; heldOut: number } {
  const p = kwsSetPaths(dir);
  fs.mkdirSync(dir, { recursive: true });
  const trace = buildNoisyTrace(root, DEFAULT_TRACE);
  writeNpy(p.trace.input, trace.x);
  writeNpy(p.trace.labels, trace.y);
  writeNpy(p.trace.snr, trace.snr);
  const inTrace = new Set(trace.description.utteranceList.map((u) => path.resolve(root, u.file)));
  const clips = datasetClips(root, 'test').filter((c) => !inTrace.has(path.resolve(c.file)));
  writeNpy(p.heldOut.input, clipFeatures(clips.map((c) => c.file)));
  writeNpy(p.heldOut.labels, { dtype: 'int32', shape: [clips.length], data: Int32Array.from(clips, (c) => c.label) });
  return { trace: trace.y.shape[0], heldOut: clips.length };
}
