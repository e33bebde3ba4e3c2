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
import type { TuneExecutor } from './executor/executor';
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

export interface Pair { layer: number; knob: number }

export interface ProfileRequest {
  mpxm: string;
  set: { inputPath: string; labelsPath: string };
  layers: readonly LayerInfo[];
  /** The (layer, knob) pairs to profile. */
  pairs: Pair[];
  modelSha256: string;
  dataSha256: string;
  withOutputs: boolean;
  cache: DiskCache;
  runner: Omit<RunnerOptions, 'reusePrefix' | 'saveOutputsDir'>;
  workDir: string;
  /** Where the missing profiles run (default: here, `runner.processes` side by side). */
  executor?: TuneExecutor;
  onProgress?: (done: number, total: number) => void;
}

/** The cache names of a model's and data's profiles: every executor writes under them, so their results merge. */
export function profileName(r: Pick<ProfileRequest, 'modelSha256' | 'dataSha256' | 'layers'>, pair: Pair | 'exact', ext: 'json' | 'npy'): string {
  const prefix = `v${PROFILE_VERSION}-${r.modelSha256.slice(0, 16)}-${r.dataSha256.slice(0, 16)}`;
  return `${prefix}-${pair === 'exact' ? 'exact' : `L${r.layers[pair.layer].index}-K${pair.knob}`}.${ext}`;
}

const isComplete = (r: Omit<ProfileRequest, 'cache'>, cache: DiskCache, pair: Pair | 'exact') =>
  cache.has(profileName(r, pair, 'json')) && (!r.withOutputs || cache.has(profileName(r, pair, 'npy')));

export async function singleKnobProfiles(r: ProfileRequest): Promise<ProfileSet> {
  const load = (pair: Pair | 'exact'): Profile => {
    const p = r.cache.readJson<Profile>(profileName(r, pair, 'json'))!;
    if (r.withOutputs) p.outputs = readNpy(r.cache.file(profileName(r, pair, 'npy'))).data as Float32Array;
    return p;
  };

  const missing = r.pairs.filter((p) => !isComplete(r, r.cache, p));
  const total = r.pairs.length;
  let done = total - missing.length;
  r.onProgress?.(done, total);
  if (missing.length > 0 || !isComplete(r, r.cache, 'exact')) {
    const onDone = (count: number) => r.onProgress?.((done += count), total);
    await (r.executor ? r.executor.profiles(r, missing, onDone) : profileInto(r.cache, r, missing, onDone));
    if (!isComplete(r, r.cache, 'exact')) throw new Error('the exact configuration was not profiled');
  }
  const single = new Map(r.pairs.map((p) => [profileKey(p.layer, p.knob), load(p)]));
  return { exact: load('exact'), single, profiled: missing.length, cached: total - missing.length };
}

/** Runs the profiles of `pairs` and the exact one on this machine into `cache`, telling `onDone(1)` per pair. */
export async function profileInto(
  cache: DiskCache, r: Omit<ProfileRequest, 'cache' | 'pairs'>, pairs: readonly Pair[], onDone: (count: number) => void,
): Promise<void> {
  const scratch = cache.scratch();
  try {
    const keep = (pair: Pair | 'exact', index: number, accuracy: number, correct: number) => {
      if (r.withOutputs) cache.adopt(path.join(scratch, `${index}.npy`), profileName(r, pair, 'npy'));
      cache.writeJson(profileName(r, pair, 'json'), { accuracy, correct });
    };
    let exactKept = false;
    // With nothing else missing, the exact configuration is run on its own (as the one choice).
    const choices = pairs.length > 0 ? pairs.map((p) => singleKnobChoice(r.layers, p.layer, p.knob)) : [exactChoice(r.layers)];
    await runChoices(r.mpxm, r.set, r.layers, choices,
      { chunksPerProcess: 8, ...r.runner, reusePrefix: true, saveOutputsDir: r.withOutputs ? scratch : undefined },
      ({ choice, record, baseline }) => {
        if (!exactKept) keep('exact', 0, baseline.accuracy, baseline.correct), (exactKept = true);
        if (pairs.length === 0) return;
        keep(pairs[choice], choice + 1, record.accuracy, record.correct);
        onDone(1);
      }, r.workDir);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
