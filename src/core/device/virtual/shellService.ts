/**
 * `shell:<command>` and `exec:<command>`: the command runs through /bin/sh -c in the device's root, in a
 * process group of its own, with stdout and stderr merged onto the stream as adbd does without the shell
 * protocol (no pty here, so no CRLF translation either) and the stream's data fed to stdin. `shell:` output
 * names the device's paths, not the host folder behind them; `exec:` passes bytes unchanged. The stream
 * closes when the shell exits; the host closing the stream or dropping the connection kills the whole
 * process group, and so does the shell's exit (a background child does not outlive its command).
 */
import { ChildProcess, spawn } from 'child_process';
import { Writable } from 'stream';
import { AdbStream } from './stream';
import { Sandbox } from './sandbox';

/** `shell:` shows device paths in the output; `exec:` is the byte-exact channel (adb exec-out). */
export function runShell(stream: AdbStream, command: string, sandbox: Sandbox, running: Set<ChildProcess>, raw: boolean): void {
  const child = spawn('/bin/sh', ['-c', `exec 2>&1\n${sandbox.rewriteCommand(command)}`], {
    cwd: sandbox.root,
    env: sandbox.environment(),
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  running.add(child);
  const toHost = new Writable({
    write(chunk: Buffer, _encoding, done) {
      stream.write(chunk).then(() => done(), done);
    },
  });
  const output = raw ? toHost : sandbox.deviceView();
  if (output !== toHost) output.pipe(toHost);
  child.stdout.pipe(output, { end: false });
  child.stderr.pipe(output, { end: false });
  child.stdin.on('error', () => {}); // the command may exit without reading its input
  stream.onData = (data) => child.stdin.write(data);
  child.on('error', (e) => {
    output.write(Buffer.from(`/bin/sh: ${e.message}\n`));
  });
  child.on('exit', () => killGroup(child));
  child.on('close', () => {
    running.delete(child);
    toHost.on('finish', () => stream.end());
    output.end();
  });
  stream.onClose(() => {
    if (running.has(child)) killGroup(child); // after 'close' the group is gone and its id may be reused
    child.stdin.destroy();
  });
}

export function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
