/**
 * Where a profiling run lives on the device, /data/local/tmp/mobiprox/<run>/ (the one folder adb's shell
 * user may write and execute in), and how its paths enter a shell command line. Every path is quoted
 * for the device's sh: run names and file names come from the user and may hold spaces or quotes.
 */
import * as path from 'node:path';
import { MobiproxError } from '../errors';

export const REMOTE_BASE = '/data/local/tmp/mobiprox';

/** The device's store of pushed runtimes, models and data, by content (deviceCache.ts); not a run name. */
export const CACHE_DIR = `${REMOTE_BASE}/cache`;

/** One word for a POSIX shell, whatever it contains: single quotes, with each ' written as '\''. */
export function shQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The files of one run on the device. */
export interface RemoteRun {
  dir: string;
  runtime: string;
  model: string;
  input: string;
  labels: string;
  configs: string;
  /** The pid of the running mpxrun, so that a cancel can kill it. */
  pidFile: string;
}

/** A run name becomes one folder: no slashes, no NUL or line breaks, not . or .. */
export function checkRunName(name: string): string {
  if (name === '' || name === '.' || name === '..' || /[/\0\r\n]/.test(name)) {
    throw new MobiproxError(`'${name}' cannot name a run folder on the device: use a name without '/' or line breaks.`, { value: name });
  }
  if (`${REMOTE_BASE}/${name}` === CACHE_DIR) {
    throw new MobiproxError(`'${name}' is the folder of the device's file cache, which a run must not replace: choose another run name.`, { value: name });
  }
  return name;
}

/**
 * The run's device paths. The runtime, model, input and labels are links into the cache (CACHE_DIR) under
 * the names of the local files, so a listing of the folder on the device tells what was profiled.
 */
export function remoteRun(run: string, local: { model: string; input: string; labels: string }): RemoteRun {
  const dir = `${REMOTE_BASE}/${checkRunName(run)}`;
  const inDir = (name: string) => `${dir}/${name}`;
  const names = [path.basename(local.model), path.basename(local.input), path.basename(local.labels)];
  // Input and labels may share a base name (x/test.npy, y/test.npy): keep them apart.
  if (names[1] === names[2]) names[2] = `labels-${names[2]}`;
  return {
    dir,
    runtime: inDir('mpxrun'),
    model: inDir(names[0]),
    input: inDir(names[1]),
    labels: inDir(names[2]),
    configs: inDir('configurations.txt'),
    pidFile: inDir('mpxrun.pid'),
  };
}
