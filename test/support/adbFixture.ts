/**
 * A private adb server for device tests (its own port, so a developer's adb and phones are left alone),
 * the `adb` command line against it, and helpers to look for processes a test started.
 */
import { execFile, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { AdbServer } from '../../src/core/device/adbServer';
import { findOnPath } from '../../src/core/device/adbLocation';

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function privateAdbServer(): Promise<AdbServer> {
  const server = new AdbServer(findOnPath('adb')!, await freePort());
  await server.start();
  return server;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function adbCli(server: AdbServer, args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(server.bin, ['-P', String(server.port), ...args], { encoding: 'utf8', timeout: 60000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
    );
  });
}

/** Pids of live processes whose command line contains `marker`. */
export function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const state = /^\S+ \(.*\) (\S)/.exec(fs.readFileSync(`/proc/${entry}/stat`, 'utf8'))?.[1];
      if (cmdline.includes(marker) && state !== 'Z') pids.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return pids;
}

export async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Compiles a static C program with `compiler`; returns its path. */
export function compileStatic(compiler: string, source: string, output: string): string {
  const c = `${output}.c`;
  fs.writeFileSync(c, source);
  const r = spawnSync(compiler, ['-static', '-O1', '-o', output, c], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${compiler} failed: ${r.stderr}`);
  return output;
}
