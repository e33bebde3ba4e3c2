/**
 * `mobiprox device virtual` and `mobiprox devices` as a user runs them: an armeabi-v7a virtual device
 * attached to a private adb server, listed as a table and as JSON, running a pushed armhf program under
 * qemu-user, and gone from adb after Ctrl-C; adb missing ends in the message with the fix.
 */
import { strict as assert } from 'node:assert';
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AdbServer } from '../src/core/device/adbServer';
import { adbCli, CliResult, compileStatic, freePort, privateAdbServer, waitFor } from './support/adbFixture';
import { requireTools } from './support/requirements';

const DRIVER = path.join(__dirname, '../src/cli/main.js');

describe('device commands', function () {
  this.timeout(120000);
  let adb: AdbServer;
  let work: string;
  let running: ChildProcess | undefined;

  const env = (): NodeJS.ProcessEnv => ({ ...process.env, ANDROID_ADB_SERVER_PORT: String(adb.port) });
  const run = (args: string[], extraEnv: NodeJS.ProcessEnv = env()): Promise<CliResult> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [DRIVER, ...args], { env: extraEnv, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });

  before(async function () {
    requireTools(this, 'adb', 'qemu-arm-static', 'arm-linux-gnueabihf-gcc');
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-device-cli-'));
    adb = await privateAdbServer();
  });

  after(async () => {
    running?.kill('SIGKILL');
    await adb?.kill();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('starts a virtual device, lists it, runs an armhf program on it and stops on SIGINT', async () => {
    const port = await freePort();
    const root = path.join(work, 'device-root');
    const child = spawn(process.execPath, [DRIVER, 'device', 'virtual', '--abi', 'armeabi-v7a', '--port', String(port), '--root', root], {
      env: env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running = child;
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const serial = `127.0.0.1:${port}`;
    await waitFor(() => stdout.includes('\n') || child.exitCode !== null, 30000, 'the serial');
    assert.equal(stdout.trim(), serial, stderr);

    const table = await run(['devices']);
    assert.equal(table.code, 0, table.stderr);
    const row = table.stdout.split('\n').find((l) => l.startsWith(serial));
    assert.ok(row && /\bdevice\b/.test(row) && row.includes('armeabi-v7a,armeabi'), table.stdout);

    const json = await run(['devices', '--json']);
    const listed = (JSON.parse(json.stdout) as { serial: string; state: string; abis: string[]; batteryLevel?: number }[]).find(
      (d) => d.serial === serial,
    );
    assert.deepEqual(listed?.abis, ['armeabi-v7a', 'armeabi']);
    assert.equal(listed?.state, 'device');
    assert.equal(listed?.batteryLevel, undefined);

    const program = compileStatic(
      'arm-linux-gnueabihf-gcc',
      '#include <stdio.h>\nint main(void) {\n#if defined(__arm__)\n  puts("arm");\n#else\n  puts("not arm");\n#endif\n  return 0;\n}\n',
      path.join(work, 'hello-armhf'),
    );
    assert.equal((await adbCli(adb, ['-s', serial, 'push', program, '/data/local/tmp/hello'])).code, 0);
    const out = await adbCli(adb, ['-s', serial, 'shell', '/data/local/tmp/hello']);
    assert.equal(out.stdout, 'arm\n');

    child.kill('SIGINT');
    assert.equal(await exited, 0, stderr);
    running = undefined;
    const after = await adbCli(adb, ['devices']);
    assert.ok(!after.stdout.includes(serial), after.stdout);
    assert.ok(fs.existsSync(path.join(root, 'data/local/tmp/hello')), 'a --root folder is kept');
  });

  it('says how to get adb when it is missing, and names a wrong --adb', async () => {
    const noAdb = await run(['devices'], { PATH: path.join(work, 'empty-path'), HOME: work });
    assert.equal(noAdb.code, 2);
    assert.match(noAdb.stderr, /^mobiprox: adb was not found .*Install the Debian package adb or the Android SDK platform-tools/);
    const wrong = await run(['devices', '--adb', path.join(work, 'no-such-adb')]);
    assert.equal(wrong.code, 2);
    assert.ok(wrong.stderr.includes(path.join(work, 'no-such-adb')), wrong.stderr);
  });
});
