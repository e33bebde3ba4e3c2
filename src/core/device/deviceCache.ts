/**
 * The device's store of pushed files by content, /data/local/tmp/mobiprox/cache/<sha256>[.ext]: runtimes,
 * compiled models and prepared data, so that a rerun or a --resume pushes only what the device lacks. One
 * shell command asks which of the needed files are there (with their size and mode); the missing ones are
 * pushed in parallel, each under a temporary name renamed into place once complete, so a push cut short is
 * never taken for a cached file.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MobiproxError } from '../errors';
import { DeviceClient, pushFile, shellOutput } from './deviceTransfer';
import { CACHE_DIR, shQuote } from './remotePaths';

/**
 * The bound: each use touches a cached file, and every caching first removes the files (half-pushed
 * temporaries included) that no run has used for three days (find -mtime +2). Age rather than a count of
 * runs needs no index on the device, and keeps a day's work (a tuning and its profilings) cached.
 */
const EVICT = 'find . -type f -mtime +2 -exec rm -f {} + 2>/dev/null';

const END = 'mobiprox-cache-end';

/** One local file and its place in the cache. */
export interface CacheFile {
  local: string;
  /** The device file's permissions: 0o755 for programs. */
  mode: number;
  sha256: string;
  size: number;
  /** CACHE_DIR/<sha256>[.ext], the extension of the local file's name. */
  remote: string;
}

/** What getting files onto the device cost, apart from the measurement. */
export interface DeviceTransfer {
  /** Bytes sent over adb: files missing from the cache and the run's own small files. */
  pushedBytes: number;
  /** Bytes the device already held in its cache. */
  cachedBytes: number;
  /** Wall time of hashing, the cache query, the pushes and the run folder's set-up, ms. */
  pushMs: number;
  /** What was pushed, by role (runtime, model, input, labels, configurations). */
  pushed: string[];
}

export const NO_TRANSFER: DeviceTransfer = { pushedBytes: 0, cachedBytes: 0, pushMs: 0, pushed: [] };

/** `local` hashed, with its cache path. */
export function cacheFile(local: string, mode = 0o644): CacheFile {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(local);
  } catch (e) {
    throw new MobiproxError(`Cannot read ${local}: ${(e as Error).message}`, { file: local });
  }
  const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
  const ext = path.extname(local);
  return { local, mode, sha256, size: bytes.length, remote: `${CACHE_DIR}/${sha256}${/^\.[A-Za-z0-9]{1,8}$/.test(ext) ? ext : ''}` };
}

/**
 * Makes every file present in the device's cache; returns those it pushed and the bytes of those it found
 * there. Files of the same content count once.
 */
export async function ensureCached(device: DeviceClient, files: CacheFile[]): Promise<{ pushed: CacheFile[]; cachedBytes: number }> {
  if (files.length === 0) return { pushed: [], cachedBytes: 0 };
  const unique = [...new Map(files.map((f) => [f.remote, f])).values()];
  const names = unique.map((f) => shQuote(path.posix.basename(f.remote))).join(' ');
  const answer = await shellOutput(
    device,
    `mkdir -p ${shQuote(CACHE_DIR)} && cd ${shQuote(CACHE_DIR)} && { touch -c ${names} 2>/dev/null; ${EVICT}; ` +
      `stat -c '%s %a %n' ${names} 2>/dev/null; echo ${END}; }`,
  );
  if (!answer.split('\n').some((l) => l.trim() === END)) {
    throw new MobiproxError(`Cannot use the file cache ${CACHE_DIR} on ${device.serial}: ${answer.trim()}`, { value: CACHE_DIR });
  }
  const found = new Map<string, { size: number; mode: number }>();
  for (const line of answer.split('\n')) {
    const m = /^(\d+) ([0-7]+) (\S+)\r?$/.exec(line);
    if (m) found.set(m[3], { size: Number(m[1]), mode: parseInt(m[2], 8) });
  }
  const fits = (f: CacheFile, on?: { size: number; mode: number }) => on !== undefined && on.size === f.size && (on.mode & f.mode) === f.mode;
  const present = await Promise.all(unique.map(async (f) => {
    const listed = found.get(path.posix.basename(f.remote));
    if (fits(f, listed)) return true;
    if (listed === undefined) return false;
    // A size that differs may be the shell's view only: the virtual device keeps a program of a foreign ABI
    // behind a launcher script, which the sync service's STAT sees through. A truncated file differs in both.
    const st = await device.stat(f.remote).catch(() => undefined);
    return fits(f, st && { size: Number(st.size), mode: st.mode & 0o7777 });
  }));
  const missing = unique.filter((_, i) => !present[i]);
  const cachedBytes = unique.filter((_, i) => present[i]).reduce((s, f) => s + f.size, 0);
  if (missing.length === 0) return { pushed: [], cachedBytes };

  const tag = `${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  const part = (f: CacheFile) => `${f.remote}.part-${tag}`;
  const pushes = await Promise.allSettled(missing.map((f) => pushFile(device, f.local, part(f), f.mode)));
  const failed = pushes.find((p): p is PromiseRejectedResult => p.status === 'rejected');
  if (failed) {
    await shellOutput(device, `rm -f ${missing.map((f) => shQuote(part(f))).join(' ')}`).catch(() => undefined);
    throw failed.reason;
  }
  const renames = missing.map((f) => `mv -f ${shQuote(part(f))} ${shQuote(f.remote)}`).join(' && ');
  const moved = await shellOutput(device, `${renames} && echo ${END}`);
  if (moved.trim() !== END) throw new MobiproxError(`Cannot store pushed files in ${CACHE_DIR} on ${device.serial}: ${moved.trim()}`, { value: CACHE_DIR });
  return { pushed: missing, cachedBytes };
}

/** "pushed 1.2 MB (13.6 MB already on the device) in 0.41 s" */
export function describeTransfer(t: DeviceTransfer): string {
  const cached = t.cachedBytes > 0 ? ` (${formatBytes(t.cachedBytes)} already on the device)` : '';
  return `pushed ${formatBytes(t.pushedBytes)}${cached} in ${(t.pushMs / 1000).toFixed(2)} s`;
}

export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  return `${(n / 1e6).toFixed(1)} MB`;
}
