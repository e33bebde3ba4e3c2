/**
 * `sync:` (AOSP adb/SYNC.TXT), version 1 requests: each is a 4-byte id and a 32-bit length, then the
 * path. STAT and LIST answer with lstat fields (all zero for a missing path, as adbd does); SEND takes
 * "path,mode", then DATA chunks of at most 64 KiB and DONE carrying the mtime, and answers OKAY or FAIL;
 * RECV answers DATA chunks and DONE, or FAIL; QUIT ends the session.
 */
import * as fs from 'fs';
import * as path from 'path';
import { contentPath, prepareExecutable } from './executables';
import { PROGRAM_STORE, Sandbox } from './sandbox';
import { AdbStream } from './stream';

const MAX_PATH = 1024;
const MAX_CHUNK = 64 * 1024;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

/** Bytes from the host, read as an async sequence of exact-length pieces. */
class Input {
  private chunks: Buffer[] = [];
  private available = 0;
  private waiting?: () => void;
  private ended = false;

  push(data: Buffer): void {
    this.chunks.push(data);
    this.available += data.length;
    this.waiting?.();
  }

  end(): void {
    this.ended = true;
    this.waiting?.();
  }

  /** Exactly n bytes, or undefined when the stream closed first. */
  async read(n: number): Promise<Buffer | undefined> {
    while (this.available < n) {
      if (this.ended) return undefined;
      await new Promise<void>((resolve) => (this.waiting = resolve));
      this.waiting = undefined;
    }
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    this.chunks = all.length > n ? [all.subarray(n)] : [];
    this.available -= n;
    return all.subarray(0, n);
  }
}

function message(id: string, ...words: number[]): Buffer {
  const b = Buffer.alloc(4 + 4 * words.length);
  b.write(id, 0, 'latin1');
  words.forEach((w, i) => b.writeUInt32LE(w >>> 0, 4 + 4 * i));
  return b;
}

function fail(reason: string): Buffer {
  const text = Buffer.from(reason);
  return Buffer.concat([message('FAIL', text.length), text]);
}

/** lstat fields as sync reports them; the size of a launcher is that of the program behind it. */
function statWords(file: string | undefined): [number, number, number] {
  if (file === undefined) return [0, 0, 0];
  try {
    const st = fs.lstatSync(file);
    const size = st.isFile() ? fs.statSync(contentPath(file)).size : st.size;
    return [st.mode, Math.min(size, 0xffffffff), Math.floor(st.mtimeMs / 1000)];
  } catch {
    return [0, 0, 0];
  }
}

export function runSync(stream: AdbStream, sandbox: Sandbox, abis: string[]): void {
  const input = new Input();
  stream.onData = (data) => input.push(data);
  stream.onClose(() => input.end());
  serve(stream, input, sandbox, abis).catch((e: unknown) => {
    stream.write(fail(e instanceof Error ? e.message : String(e))).finally(() => stream.close(true));
  });
}

async function serve(stream: AdbStream, input: Input, sandbox: Sandbox, abis: string[]): Promise<void> {
  for (;;) {
    const head = await input.read(8);
    if (!head) return;
    const id = head.toString('latin1', 0, 4);
    const length = head.readUInt32LE(4);
    if (id === 'QUIT') {
      stream.end();
      return;
    }
    if (length > MAX_PATH) throw new Error(`a sync ${id} path of ${length} bytes is longer than ${MAX_PATH}`);
    const arg = await input.read(length);
    if (!arg) return;
    const request = arg.toString('utf8');
    switch (id) {
      case 'STAT':
        await stream.write(message('STAT', ...statWords(mapped(sandbox, request))));
        break;
      case 'LIST':
        await list(stream, sandbox, request);
        break;
      case 'SEND':
        if (!(await receiveFile(stream, input, sandbox, request, abis))) return;
        break;
      case 'RECV':
        await sendFile(stream, sandbox, request);
        break;
      default:
        throw new Error(`unknown sync request '${id}'`);
    }
  }
}

function mapped(sandbox: Sandbox, devicePath: string): string | undefined {
  try {
    return sandbox.hostPath(devicePath);
  } catch {
    return undefined;
  }
}

async function list(stream: AdbStream, sandbox: Sandbox, devicePath: string): Promise<void> {
  const dir = mapped(sandbox, devicePath);
  let names: string[] = [];
  try {
    if (dir) names = fs.readdirSync(dir).filter((n) => !(dir === sandbox.root && n === PROGRAM_STORE));
  } catch {
    // a missing or unreadable folder lists as empty, as with adbd
  }
  for (const name of names) {
    const encoded = Buffer.from(name);
    await stream.write(Buffer.concat([message('DENT', ...statWords(path.join(dir!, name)), encoded.length), encoded]));
  }
  await stream.write(message('DONE', 0, 0, 0, 0));
}

/** SEND: the rest of the request follows as DATA and DONE; returns false when the stream closed mid-file. */
async function receiveFile(stream: AdbStream, input: Input, sandbox: Sandbox, spec: string, abis: string[]): Promise<boolean> {
  const comma = spec.lastIndexOf(',');
  const devicePath = comma < 0 ? spec : spec.slice(0, comma);
  const mode = comma < 0 ? 0o644 : Number(spec.slice(comma + 1));
  let error: string | undefined;
  let file: string | undefined;
  let fd: number | undefined;
  try {
    if (!Number.isInteger(mode)) throw new Error(`'${spec}' does not end in a file mode`);
    if (devicePath.endsWith('/')) throw new Error('the path names a folder, not a file');
    if ((mode & S_IFMT) === S_IFLNK) throw new Error(`cannot push the symbolic link ${devicePath}: the virtual device stores regular files only`);
    file = sandbox.hostPath(devicePath);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.rmSync(file, { force: true });
    fd = fs.openSync(file, 'w', mode & 0o7777);
  } catch (e) {
    error = `cannot write ${devicePath}: ${e instanceof Error ? e.message : String(e)}`;
  }
  try {
    for (;;) {
      const head = await input.read(8);
      if (!head) return false;
      const id = head.toString('latin1', 0, 4);
      const length = head.readUInt32LE(4);
      if (id === 'DONE') {
        if (fd !== undefined && file !== undefined && error === undefined) {
          fs.closeSync(fd);
          fd = undefined;
          fs.utimesSync(file, length, length);
          fs.chmodSync(file, mode & 0o7777);
          prepareExecutable(file, abis, sandbox.programStore);
        }
        await stream.write(error === undefined ? message('OKAY', 0) : fail(error));
        return true;
      }
      if (id !== 'DATA') throw new Error(`expected DATA or DONE while receiving ${devicePath}, got '${id}'`);
      if (length > MAX_CHUNK) throw new Error(`a DATA chunk of ${length} bytes exceeds ${MAX_CHUNK}`);
      const data = await input.read(length);
      if (!data) return false;
      if (fd !== undefined && error === undefined) {
        try {
          fs.writeSync(fd, data);
        } catch (e) {
          error = `cannot write ${devicePath}: ${e instanceof Error ? e.message : String(e)}`;
        }
      }
    }
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

async function sendFile(stream: AdbStream, sandbox: Sandbox, devicePath: string): Promise<void> {
  let fd: number;
  try {
    fd = fs.openSync(contentPath(sandbox.hostPath(devicePath)), 'r');
  } catch (e) {
    await stream.write(fail(`cannot read ${devicePath}: ${e instanceof Error ? e.message : String(e)}`));
    return;
  }
  try {
    const chunk = Buffer.alloc(MAX_CHUNK);
    for (;;) {
      const n = fs.readSync(fd, chunk, 0, MAX_CHUNK, null);
      if (n === 0) break;
      await stream.write(Buffer.concat([message('DATA', n), chunk.subarray(0, n)]));
      if (stream.isClosed) return;
    }
    await stream.write(message('DONE', 0));
  } catch (e) {
    await stream.write(fail(`cannot read ${devicePath}: ${e instanceof Error ? e.message : String(e)}`));
  } finally {
    fs.closeSync(fd);
  }
}
