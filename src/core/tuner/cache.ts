/**
 * The tuner's on-disk cache: JSON and .npy entries under one folder, each written atomically, so that
 * concurrent or interrupted tunings never read half an entry. Keys are built by the callers from the model's
 * sha256, the preprocessed data's sha256 and the knob, or the host and runtime settings for timings.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFileAtomic } from '../fsutil';

/** $MOBIPROX_CACHE, else $XDG_CACHE_HOME/mobiprox, else ~/.cache/mobiprox: where tunings keep their profiles. */
export function defaultCacheDir(): string {
  if (process.env.MOBIPROX_CACHE) return process.env.MOBIPROX_CACHE;
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'mobiprox');
}

export class DiskCache {
  constructor(readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
  }

  file(name: string): string {
    return path.join(this.dir, name);
  }

  readJson<T>(name: string): T | undefined {
    try {
      return JSON.parse(fs.readFileSync(this.file(name), 'utf8')) as T;
    } catch {
      return undefined; // absent or unreadable: recompute and overwrite
    }
  }

  writeJson(name: string, value: unknown): void {
    writeFileAtomic(this.file(name), JSON.stringify(value));
  }

  has(name: string): boolean {
    return fs.existsSync(this.file(name));
  }

  /** Moves a finished file (on the same file system, e.g. a runtime output in `scratch()`) into the cache. */
  adopt(from: string, name: string): void {
    fs.renameSync(from, this.file(name));
  }

  /** Copies a finished file from elsewhere (another cache, a shard's results) into the cache, atomically. */
  copyIn(from: string, name: string): void {
    const tmp = `${this.file(name)}.${process.pid}.${Date.now().toString(36)}.tmp`;
    try {
      fs.copyFileSync(from, tmp);
      fs.renameSync(tmp, this.file(name));
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      throw e;
    }
  }

  /** A private folder inside the cache for files about to be adopted; removed by the caller. */
  scratch(): string {
    return fs.mkdtempSync(path.join(this.dir, '.scratch-'));
  }
}
