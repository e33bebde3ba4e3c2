/**
 * `shell:<command>`, `shell,v2,...:<command>` and `exec:<command>`: the command runs through /bin/sh -c in
 * the device's root, in a process group of its own. Without the shell protocol, stdout and stderr are
 * merged onto the stream as adbd does (no pty here, so no CRLF translation either) and the stream's data
 * is the command's stdin. With it (shell_v2), each direction is framed as [id:1][length:4 LE][data]: the
 * host sends stdin (0) and close-stdin (4); we send stdout (1), stderr (2) and finally the exit status (3),
 * which is how `adb shell` learns the command's exit code. `shell` output names the device's paths, not
 * the host folder behind them; `exec:` passes bytes unchanged. The stream closes when the shell exits; the
 * host closing the stream or dropping the connection kills the whole process group, and so does the
 * shell's exit (a background child does not outlive its command).
 */
import { ChildProcess, spawn } from 'child_process';
import * as os from 'os';
import { Writable } from 'stream';
import { AdbStream } from './stream';
import { Sandbox } from './sandbox';

export type ShellKind = 'shell' | 'shell-v2' | 'exec';

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const EXIT = 3;
const CLOSE_STDIN = 4;
/** Packets within adb's smallest payload (MAX_PAYLOAD_V1, 4 KiB), which any host's shell buffer holds. */
const MAX_FRAME_DATA = 4096 - 5;

function frame(id: number, data: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header[0] = id;
  header.writeUInt32LE(data.length, 1);
  return Buffer.concat([header, data]);
}

export function runShell(stream: AdbStream, command: string, sandbox: Sandbox, running: Set<ChildProcess>, kind: ShellKind): void {
  const framed = kind === 'shell-v2';
  const script = sandbox.rewriteCommand(command);
  const child = spawn('/bin/sh', ['-c', framed ? script : `exec 2>&1\n${script}`], {
    cwd: sandbox.root,
    env: sandbox.environment(),
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  running.add(child);

  // One writer per output channel; `flushed` resolves once its last byte is queued towards the host.
  const channel = (id: number): { input: Writable; flushed: Promise<void> } => {
    const toHost = new Writable({
      write(chunk: Buffer, _encoding, done) {
        let data = chunk;
        if (framed) {
          const frames: Buffer[] = [];
          for (let at = 0; at < chunk.length; at += MAX_FRAME_DATA) frames.push(frame(id, chunk.subarray(at, at + MAX_FRAME_DATA)));
          data = Buffer.concat(frames);
        }
        stream.write(data).then(() => done(), done);
      },
    });
    const flushed = new Promise<void>((resolve) => toHost.on('finish', resolve));
    if (kind === 'exec') return { input: toHost, flushed };
    const view = sandbox.deviceView();
    view.pipe(toHost);
    return { input: view, flushed };
  };
  const channels = framed ? [channel(STDOUT), channel(STDERR)] : [channel(STDOUT)];
  child.stdout.pipe(channels[0].input, { end: false });
  child.stderr.pipe(channels[channels.length - 1].input, { end: false });

  child.stdin.on('error', () => {}); // the command may exit without reading its input
  stream.onData = framed ? stdinFrames(child) : (data) => child.stdin.write(data);
  child.on('error', (e) => channels[channels.length - 1].input.write(Buffer.from(`/bin/sh: ${e.message}\n`)));
  child.on('exit', () => killGroup(child));
  child.on('close', (code, signal) => {
    running.delete(child);
    for (const c of channels) c.input.end();
    Promise.all(channels.map((c) => c.flushed)).then(async () => {
      if (framed) {
        const status = code ?? 128 + (signal ? os.constants.signals[signal] : 0);
        await stream.write(frame(EXIT, Buffer.from([status & 0xff])));
      }
      stream.end();
    });
  });
  stream.onClose(() => {
    if (running.has(child)) killGroup(child); // after 'close' the group is gone and its id may be reused
    child.stdin.destroy();
  });
}

/** The host's side of shell_v2: stdin data and the close-stdin signal, framed across WRTE boundaries. */
function stdinFrames(child: ChildProcess): (data: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  return (data) => {
    pending = pending.length ? Buffer.concat([pending, data]) : data;
    while (pending.length >= 5 && pending.length >= 5 + pending.readUInt32LE(1)) {
      const id = pending[0];
      const body = pending.subarray(5, 5 + pending.readUInt32LE(1));
      pending = pending.subarray(5 + body.length);
      if (id === STDIN) child.stdin?.write(body);
      else if (id === CLOSE_STDIN) child.stdin?.end();
      // window size changes mean nothing without a pty
    }
  };
}

export function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
