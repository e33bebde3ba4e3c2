import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';

/** A code-server on 127.0.0.1 with its own user data and extensions folders, stopped with its process group. */
export interface CodeServer {
  url: string;
  stop(): Promise<void>;
}

const REPO = path.resolve(__dirname, '../../../..');

/** Installs code-server (idempotent, cached outside the repo) and returns its launcher. */
export function installCodeServer(): string {
  const out = execFileSync('bash', [path.join(REPO, 'toolchain/install-code-server.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return out.trim().split('\n').pop()!;
}

export interface CodeServerDirs {
  userData: string;
  extensions: string;
  /** code-server writes a default config.yaml here if there is none (instead of in ~/.config). */
  config: string;
  log: string;
}

export function installExtension(launcher: string, vsix: string, dirs: CodeServerDirs): void {
  execFileSync(
    launcher,
    ['--config', dirs.config, '--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions, '--install-extension', vsix],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
}

/** Settings that keep the workbench quiet and deterministic: no welcome page, tips, updates or telemetry. */
export function writeUserSettings(userData: string): void {
  const settings = {
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'telemetry.telemetryLevel': 'off',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true,
    'update.mode': 'none',
    'security.workspace.trust.enabled': false,
    'chat.disableAIFeatures': true,
    'window.commandCenter': false,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
  };
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
}

/** `env`: extra environment of code-server and so of the extension host (e.g. a private adb server port). */
export async function startCodeServer(launcher: string, dirs: CodeServerDirs, env: NodeJS.ProcessEnv = {}): Promise<CodeServer> {
  const port = await freePort();
  const log = fs.openSync(dirs.log, 'a');
  const child = spawn(
    launcher,
    [
      '--config',
      dirs.config,
      '--disable-workspace-trust',
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--user-data-dir',
      dirs.userData,
      '--extensions-dir',
      dirs.extensions,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-getting-started-override',
    ],
    // Its own process group, so that stopping it also stops the extension host and helpers it starts.
    { detached: true, stdio: ['ignore', log, log], env: { ...process.env, ...env } },
  );
  fs.closeSync(log);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = (): Promise<void> => stopGroup(child, exited);
  process.once('exit', () => killGroup(child, 'SIGKILL'));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHealthy(url, exited, dirs.log);
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, stop };
}

async function waitForHealthy(url: string, exited: Promise<number | null>, log: string): Promise<void> {
  let gone: number | null | undefined;
  void exited.then((code) => (gone = code));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (gone !== undefined) throw new Error(`code-server exited with ${gone} before serving; see ${log}`);
    if ((await httpStatus(`${url}/healthz`)) === 200) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server did not answer on ${url} within 60 s; see ${log}`);
}

function httpStatus(url: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', () => resolve(undefined));
    req.setTimeout(2000, () => req.destroy());
  });
}

/** A TCP port nobody listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

async function stopGroup(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  killGroup(child, 'SIGTERM');
  const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 5000).unref());
  if ((await Promise.race([exited, timeout])) === 'timeout') killGroup(child, 'SIGKILL');
  // Helpers of the group that outlive the leader (extension host, file watcher) go too.
  if (child.pid !== undefined) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // The group is empty.
    }
  }
}
