/**
 * A shard: one work unit written to a folder of the shared work folder, run there by an array task
 * (`mobiprox shard`) and read back by the tuner. The folder is named by the sha256 of its spec, so that a
 * shard finished once is found finished by every later tuning that needs the same work; `result.json`,
 * written last and atomically, is what "finished" means.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LayerInfo } from '../../compile';
import { readNpy } from '../../data/npy';
import { writeFileAtomic } from '../../fsutil';
import { CalibrationRecord } from '../../runtime/mpxrun';
import { DiskCache } from '../cache';
import { calibrateHere } from '../int8Calibration';
import { Pair, profileInto } from '../profiles';
import { MeasuredRun, TimingSettings, measureHere } from '../validation';

/** How a shard runs inside its task: `processes` side by side, each with `threads`. */
export interface ShardRunner { processes: number; threads: number; batch: number; probabilities: boolean }

interface SetFiles { inputPath: string; labelsPath: string }

export type ShardSpec =
  | {
    kind: 'profile'; mpxm: string; set: SetFiles; layers: LayerInfo[]; pairs: Pair[]; modelSha256: string; dataSha256: string;
    withOutputs: boolean; runner: ShardRunner;
  }
  | { kind: 'measure'; mpxm: string; set: SetFiles; layers: LayerInfo[]; choices: number[][]; runner: ShardRunner; timing: TimingSettings }
  | { kind: 'calibrate'; mpxm: string; input: string; samples: number; batch: number };

export type ShardResult = { host: string; seconds: number } & (
  | { kind: 'profile'; profiled: number }
  | { kind: 'measure'; runs: MeasuredRun[] }
  | { kind: 'calibrate'; record: CalibrationRecord }
);

export const SPEC_FILE = 'spec.json';
export const RESULT_FILE = 'result.json';
/** A profile shard's cache: its entries are copied into the tuner's cache. */
export const CACHE_FOLDER = 'cache';

export function readShardResult(dir: string): ShardResult | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, RESULT_FILE), 'utf8')) as ShardResult;
  } catch {
    return undefined; // not finished (the file is renamed into place whole)
  }
}

/** Runs the shard in `dir` on this machine, unless it is finished already (a task run twice does nothing). */
export async function runShard(dir: string): Promise<ShardResult> {
  const done = readShardResult(dir);
  if (done) return done;
  const spec = JSON.parse(fs.readFileSync(path.join(dir, SPEC_FILE), 'utf8')) as ShardSpec;
  const start = Date.now();
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-shard-'));
  try {
    const base = { host: os.hostname(), seconds: 0 };
    let result: ShardResult;
    if (spec.kind === 'profile') {
      await profileInto(new DiskCache(path.join(dir, CACHE_FOLDER)), { ...spec, workDir }, spec.pairs, () => {});
      result = { ...base, kind: 'profile', profiled: spec.pairs.length };
    } else if (spec.kind === 'measure') {
      const labels = readNpy(spec.set.labelsPath).data as Int32Array;
      const runs = await measureHere({ ...spec, set: { ...spec.set, labels }, workDir });
      result = { ...base, kind: 'measure', runs };
    } else {
      result = { ...base, kind: 'calibrate', record: await calibrateHere(spec) };
    }
    result.seconds = (Date.now() - start) / 1000;
    writeFileAtomic(path.join(dir, RESULT_FILE), JSON.stringify(result));
    return result;
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}
