/**
 * Single-knob profiles, the raw material of both QoS predictors: for each (layer, knob), the tuning-set
 * accuracy (P2) and output tensor (P1) of the network with only that layer approximated. The runtime
 * re-runs each configuration only from the approximated layer on (`--reuse-prefix`), and every profile is
 * cached on disk under the model's sha256, the preprocessed data's sha256 and the layer and knob, so that a
 * second tuning of the same model on the same data profiles nothing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LayerInfo } from '../compile';
import { readNpy } from '../data/npy';
import { DiskCache } from './cache';
import { exactChoice, singleKnobChoice } from './knobSpace';
import { runChoices, RunnerOptions } from './runner';

/** Bump when what a profile means changes, so that old entries are not reused. */
const PROFILE_VERSION = 1;

export interface Profile {
  accuracy: number;
  correct: number;
  /** [samples × outputs] of the first output, when outputs were asked for. */
  outputs?: Float32Array;
}

export interface ProfileSet {
  exact: Profile;
  /** By `${layer}:${knob}`, layer 0-based. */
  single: Map<string, Profile>;
  /** How many were run now, and how many came from the cache. */
  profiled: number;
  cached: number;
}

export const profileKey = (layer: number, k: number): string => `${layer}:${k}`;

export interface ProfileRequest {
  mpxm: string;
  set: { inputPath: string; labelsPath: string };
  layers: readonly LayerInfo[];
  /** The (layer, knob) pairs to profile. */
  pairs: { layer: number; knob: number }[];
  modelSha256: string;
  dataSha256: string;
  withOutputs: boolean;
  cache: DiskCache;
  runner: Omit<RunnerOptions, 'reusePrefix' | 'saveOutputsDir'>;
  workDir: string;
  onProgress?: (done: number, total: number) => void;
}

export async function singleKnobProfiles(r: ProfileRequest): Promise<ProfileSet> {
  const prefix = `v${PROFILE_VERSION}-${r.modelSha256.slice(0, 16)}-${r.dataSha256.slice(0, 16)}`;
  const name = (pair: { layer: number; knob: number } | 'exact', ext: string) =>
    `${prefix}-${pair === 'exact' ? 'exact' : `L${r.layers[pair.layer].index}-K${pair.knob}`}.${ext}`;
  const complete = (pair: { layer: number; knob: number } | 'exact') =>
    r.cache.has(name(pair, 'json')) && (!r.withOutputs || r.cache.has(name(pair, 'npy')));
  const load = (pair: { layer: number; knob: number } | 'exact'): Profile => {
    const p = r.cache.readJson<Profile>(name(pair, 'json'))!;
    if (r.withOutputs) p.outputs = readNpy(r.cache.file(name(pair, 'npy'))).data as Float32Array;
    return p;
  };

  const missing = r.pairs.filter((p) => !complete(p));
  const total = r.pairs.length;
  let done = total - missing.length;
  r.onProgress?.(done, total);
  if (missing.length > 0 || !complete('exact')) {
    const scratch = r.cache.scratch();
    try {
      const keep = (pair: { layer: number; knob: number } | 'exact', index: number, accuracy: number, correct: number) => {
        if (r.withOutputs) r.cache.adopt(path.join(scratch, `${index}.npy`), name(pair, 'npy'));
        r.cache.writeJson(name(pair, 'json'), { accuracy, correct });
      };
      let exactKept = false;
      // With nothing else missing, the exact configuration is run on its own (as the one choice).
      const choices = missing.length > 0
        ? missing.map((p) => singleKnobChoice(r.layers, p.layer, p.knob)) : [exactChoice(r.layers)];
      await runChoices(r.mpxm, r.set, r.layers, choices,
        { chunksPerProcess: 8, ...r.runner, reusePrefix: true, saveOutputsDir: r.withOutputs ? scratch : undefined },
        ({ choice, record, baseline }) => {
          if (!exactKept) keep('exact', 0, baseline.accuracy, baseline.correct), (exactKept = true);
          if (missing.length === 0) return;
          keep(missing[choice], choice + 1, record.accuracy, record.correct);
          r.onProgress?.(++done, total);
        }, r.workDir);
      if (!complete('exact')) throw new Error('the exact configuration was not profiled');
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  }
  const single = new Map(r.pairs.map((p) => [profileKey(p.layer, p.knob), load(p)]));
  return { exact: load('exact'), single, profiled: missing.length, cached: total - missing.length };
}
