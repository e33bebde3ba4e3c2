/**
 * The virtual device through the real Debian adb server and adbkit: discovery and properties, push and pull
 * of awkward names and large files, shell output and lifetime, pushed static programs (natively on x86_64,
 * under qemu-user on arm64-v8a), and no process outliving its stream.
 */
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { Client, Device } from '@devicefarmer/adbkit';
import { AdbServer } from '../src/core/device/adbServer';
import { DeviceInfo, listDevices } from '../src/core/device/deviceInfo';
import { trackDevices } from '../src/core/device/deviceTracker';
import { OWNER_FILE, removeStaleRoots, startTime, startVirtualDevice, TEMPORARY_ROOT_PREFIX, VirtualDevice } from '../src/virtualDevice/virtualDevice';
import { adbCli, compileStatic, privateAdbServer, processesWith, waitFor } from './support/adbFixture';
import { missingTools, requireTools } from './support/requirements';

const PROGRAM = `#include <stdio.h>
int main(int argc, char **argv) {
#if defined(__aarch64__)
  const char *arch = "aarch64";
#elif defined(__x86_64__)
  const char *arch = "x86_64";
#else
  const char *arch = "other";
#endif
  printf("arch=%s argc=%d", arch, argc);
  for (int i = 1; i < argc; i++) printf(" [%s]", argv[i]);
  printf("\\n");
  return 0;
}
`;

const DIR = '/data/local/tmp/mobiprox test';
const AWKWARD = `${DIR}/it's a "quoted" file.bin`;

/** A sleep duration no other process on the machine has in its command line. */
function mark(seconds: number): string {
  return `${seconds}.${process.pid}`;
}

function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

async function readAll(stream: PromiseLike<NodeJS.ReadableStream> | NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

async function adbkitShell(client: Client, serial: string, command: string): Promise<string> {
  return (await readAll(client.getDevice(serial).shell(command))).toString('utf8');
}

async function adbkitPush(client: Client, serial: string, contents: string | Readable, devicePath: string, mode?: number): Promise<void> {
  const transfer = await client.getDevice(serial).push(contents, devicePath, mode);
  await new Promise<void>((resolve, reject) => {
    transfer.on('end', resolve);
    transfer.on('error', reject);
  });
}

async function adbkitPull(client: Client, serial: string, devicePath: string): Promise<Buffer> {
  const transfer = await client.getDevice(serial).pull(devicePath);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    transfer.on('data', (c: Buffer) => chunks.push(c));
    transfer.on('end', () => resolve(Buffer.concat(chunks)));
    transfer.on('error', reject);
  });
}

describe('temporary roots of virtual devices', () => {
  /** A pid that was a process and is gone (spawnSync waits for it and reaps it). */
  const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid!;
  const fakeRoot = (dir: string, owner?: number, started?: string): string => {
    const root = fs.mkdtempSync(path.join(dir, TEMPORARY_ROOT_PREFIX));
    if (owner !== undefined) {
      fs.mkdirSync(path.dirname(path.join(root, OWNER_FILE)), { recursive: true });
      fs.writeFileSync(path.join(root, OWNER_FILE), `${owner}${started === undefined ? '' : ` ${started}`}\n`);
    }
    return root;
  };

  it('removes the roots whose owner process is gone (or whose pid was given to another), and only those', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-stale-roots-'));
    try {
      const stale = fakeRoot(dir, deadPid());
      const live = fakeRoot(dir, process.pid);
      const liveSince = fakeRoot(dir, process.pid, startTime(process.pid));
      const ownerless = fakeRoot(dir);
      const other = path.join(dir, 'not-a-virtual-root');
      fs.mkdirSync(other);
      // a live process given the dead owner's pid: its start time is not the owner's
      const reused = startTime(process.pid) !== undefined ? [fakeRoot(dir, process.pid, '1')] : [];
      assert.deepEqual(removeStaleRoots(dir).sort(), [stale, ...reused].sort());
      for (const gone of [stale, ...reused]) assert.ok(!fs.existsSync(gone), gone);
      for (const kept of [live, liveSince, ownerless, other]) assert.ok(fs.existsSync(kept), kept);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a device records its pid in its root, and its start removes a stale root left by a killed one', async function () {
    if (process.arch !== 'x64') requireTools(this, 'qemu-x86_64-static');
    const stale = fakeRoot(os.tmpdir(), deadPid());
    let vd: VirtualDevice | undefined;
    try {
      vd = await startVirtualDevice({ abi: 'x86_64' });
      assert.equal(fs.readFileSync(path.join(vd.root, OWNER_FILE), 'utf8').trim(), [process.pid, startTime(process.pid)].filter((v) => v !== undefined).join(' '));
      assert.ok(!fs.existsSync(stale), `${stale} was left`);
    } finally {
      await vd?.stop();
      fs.rmSync(stale, { recursive: true, force: true });
    }
    assert.ok(!fs.existsSync(vd!.root), 'stop() removes the root');
  });
});

describe('virtual device with the real adb server and adbkit', function () {
  this.timeout(120000);
  let adb: AdbServer;
  let x86: VirtualDevice;
  let arm: VirtualDevice;
  let work: string;

  before(async function () {
    requireTools(this, 'adb', 'gcc');
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-device-test-'));
    adb = await privateAdbServer();
    x86 = await startVirtualDevice({ abi: 'x86_64', adb });
    if (missingTools('qemu-aarch64-static').length === 0) arm = await startVirtualDevice({ abi: 'arm64-v8a', adb });
  });

  after(async function () {
    await x86?.stop();
    await arm?.stop();
    await adb?.kill();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('is listed by adbkit with its properties and no invented battery', async () => {
    const devices = await listDevices(adb.client);
    const info = devices.find((d) => d.serial === x86.serial);
    assert.ok(info, `${x86.serial} missing from ${JSON.stringify(devices)}`);
    assert.equal(info.state, 'device');
    assert.deepEqual(info.abis, ['x86_64']);
    assert.match(info.model ?? '', /virtual/i);
    assert.match(info.androidVersion ?? '', /^\d+/);
    assert.ok(Number.isInteger(info.sdk) && info.sdk! >= 21, `sdk ${info.sdk}`);
    assert.equal(info.batteryLevel, undefined);
    assert.equal(info.charging, undefined);
    if (arm) {
      const armInfo = devices.find((d) => d.serial === arm.serial);
      assert.deepEqual(armInfo?.abis.slice(0, 2), ['arm64-v8a', 'armeabi-v7a']);
    }
  });

  it('is listed by `adb devices` and answers getprop', async () => {
    const list = await adbCli(adb, ['devices']);
    assert.ok(list.stdout.split('\n').some((l) => l.trim() === `${x86.serial}\tdevice`), list.stdout);
    const abi = await adbCli(adb, ['-s', x86.serial, 'shell', 'getprop', 'ro.product.cpu.abi']);
    assert.equal(abi.stdout.trim(), 'x86_64');
    const props = await adb.client.getDevice(x86.serial).getProperties();
    assert.equal(props['ro.product.cpu.abilist'], 'x86_64');
    assert.ok(props['ro.serialno'], 'ro.serialno');
  });

  it('pushes and pulls a file with spaces and quotes in its name, through adbkit and adb', async () => {
    const local = path.join(work, `it's a "quoted" file.bin`);
    const content = crypto.randomBytes(200000);
    fs.writeFileSync(local, content);
    await adbkitPush(adb.client, x86.serial, local, AWKWARD);
    assert.deepEqual(await adbkitPull(adb.client, x86.serial, AWKWARD), content);
    const listed = await adbkitShell(adb.client, x86.serial, `ls ${shQuote(DIR)}`);
    assert.equal(listed.trim(), `it's a "quoted" file.bin`);

    const viaAdb = `${DIR}/second copy's "name".bin`;
    const push = await adbCli(adb, ['-s', x86.serial, 'push', local, viaAdb]);
    assert.equal(push.code, 0, push.stderr + push.stdout);
    const back = path.join(work, 'pulled back.bin');
    const pull = await adbCli(adb, ['-s', x86.serial, 'pull', viaAdb, back]);
    assert.equal(pull.code, 0, pull.stderr + pull.stdout);
    assert.deepEqual(fs.readFileSync(back), content);
    const stat = await adb.client.getDevice(x86.serial).stat(viaAdb);
    assert.equal(stat.size, content.length);
  });

  it('moves a 5 MB file both ways intact', async () => {
    const content = crypto.randomBytes(5 * 1024 * 1024);
    await adbkitPush(adb.client, x86.serial, Readable.from([content], { objectMode: false }), `${DIR}/big.bin`);
    const local = path.join(work, 'big.bin');
    const pull = await adbCli(adb, ['-s', x86.serial, 'pull', `${DIR}/big.bin`, local]);
    assert.equal(pull.code, 0, pull.stderr);
    assert.ok(fs.readFileSync(local).equals(content), 'adb pull differs from what adbkit pushed');
    const again = `${DIR}/big again.bin`;
    assert.equal((await adbCli(adb, ['-s', x86.serial, 'push', local, again])).code, 0);
    assert.ok((await adbkitPull(adb.client, x86.serial, again)).equals(content), 'adbkit pull differs from adb push');
    // exec: is byte-exact: the file through `adb exec-out cat`.
    const cat = spawn(adb.bin, ['-P', String(adb.port), '-s', x86.serial, 'exec-out', `cat ${shQuote(again)}`], { stdio: ['ignore', 'pipe', 'inherit'] });
    assert.ok((await readAll(cat.stdout)).equals(content), 'exec-out cat differs');
  });

  it('refuses paths that climb out of its root', async () => {
    const transfer = await adb.client.getDevice(x86.serial).pull('/../../../../etc/hostname');
    let received = 0;
    transfer.on('data', (c: Buffer) => (received += c.length));
    // adbkit ends the transfer before it reports the device's FAIL, so wait for the error itself.
    const error = await new Promise<Error>((resolve) => transfer.on('error', resolve));
    assert.match(error.message, /climbs out of the device's root/);
    assert.equal(received, 0);
  });

  it('runs `adb shell` commands with their exit status and returns when they exit', async () => {
    // shell_v2: separate stdout and stderr, and the exit status reaches adb's own.
    const r = await adbCli(adb, ['-s', x86.serial, 'shell', 'echo out; echo err >&2; exit 3']);
    assert.deepEqual([r.stdout, r.stderr, r.code], ['out\n', 'err\n', 3]);
    // adbkit speaks the plain shell: service: one merged stream.
    assert.equal(await adbkitShell(adb.client, x86.serial, 'echo out; echo err >&2; exit 3'), 'out\nerr\n');
    const where = await adbCli(adb, ['-s', x86.serial, 'shell', 'cd /data/local/tmp && pwd && ls /data/local/tmp/none']);
    assert.equal(where.stdout, '/data/local/tmp\n');
    assert.match(where.stderr, /'\/data\/local\/tmp\/none'.*No such file/);
    assert.ok(!where.stderr.includes(x86.root), where.stderr);
    // The command's exit ends the stream even while a background child still holds its output open.
    const started = Date.now();
    const bg = await adbCli(adb, ['-s', x86.serial, 'shell', `sleep ${mark(4241)} & echo started`]);
    assert.equal(bg.stdout.trim(), 'started');
    assert.ok(Date.now() - started < 10000);
    await waitFor(() => processesWith(mark(4241)).length === 0, 5000, 'the background sleep to be killed');
  });

  it('has no fuel gauge', async () => {
    const r = await adbkitShell(adb.client, x86.serial, 'ls /sys/class/power_supply >/dev/null 2>&1 && echo present || echo absent');
    assert.equal(r.trim(), 'absent');
  });

  it('runs a pushed static x86_64 program natively', async () => {
    const program = compileStatic('gcc', PROGRAM, path.join(work, 'hello-x86_64'));
    await adbkitPush(adb.client, x86.serial, program, `${DIR}/hello`, 0o755);
    const out = await adbkitShell(adb.client, x86.serial, `cd ${shQuote(DIR)} && ./hello 'a b' "c'd"`);
    assert.equal(out, `arch=x86_64 argc=3 [a b] [c'd]\n`);
  });

  it('runs a pushed static arm64 program under qemu, and refuses an x86_64 one', async function () {
    requireTools(this, 'qemu-aarch64-static', 'aarch64-linux-gnu-gcc');
    const program = compileStatic('aarch64-linux-gnu-gcc', PROGRAM, path.join(work, 'hello-arm64'));
    const remote = `${DIR}/hello arm64`;
    const push = await adbCli(adb, ['-s', arm.serial, 'push', program, remote]);
    assert.equal(push.code, 0, push.stderr);
    const out = await adbCli(adb, ['-s', arm.serial, 'shell', `${shQuote(remote)} x`]);
    assert.equal(out.stdout, 'arch=aarch64 argc=2 [x]\n');
    // What was pushed is what comes back, size and bytes.
    assert.ok((await adbkitPull(adb.client, arm.serial, remote)).equals(fs.readFileSync(program)));
    assert.equal((await adb.client.getDevice(arm.serial).stat(remote)).size, fs.statSync(program).size);

    const x86Program = compileStatic('gcc', PROGRAM, path.join(work, 'hello-x86_64-for-arm'));
    await adbkitPush(adb.client, arm.serial, x86Program, `${DIR}/wrong-abi`, 0o755);
    const wrong = await adbkitShell(adb.client, arm.serial, `${shQuote(`${DIR}/wrong-abi`)}; echo "status $?"`);
    assert.match(wrong, /Exec format error/);
    assert.match(wrong, /status 126/);
  });

  it('kills the remote process group when adbkit closes the stream', async () => {
    const stream = await adb.client.getDevice(x86.serial).shell(`sleep ${mark(4242)} & sleep ${mark(4243)}`);
    await waitFor(() => processesWith(mark(4242)).length > 0 && processesWith(mark(4243)).length > 0, 10000, 'the sleeps to start');
    stream.end();
    await waitFor(() => processesWith(mark(4242)).length + processesWith(mark(4243)).length === 0, 10000, 'the sleeps to be killed');
  });

  it('kills the remote process when the adb client dies', async () => {
    const client = spawn(adb.bin, ['-P', String(adb.port), '-s', x86.serial, 'shell', `sleep ${mark(4244)}`], { stdio: 'ignore' });
    await waitFor(() => processesWith(mark(4244)).some((pid) => pid !== client.pid), 10000, 'the remote sleep to start');
    client.kill('SIGKILL');
    await waitFor(() => processesWith(mark(4244)).length === 0, 10000, 'the remote sleep to be killed');
  });

  it('kills what is still running when the device stops, and leaves adb', async () => {
    const extra = await startVirtualDevice({ abi: 'x86_64', adb });
    const stream = await adb.client.getDevice(extra.serial).shell(`sleep ${mark(4246)}`);
    await waitFor(() => processesWith(mark(4246)).length > 0, 10000, 'the sleep to start');
    await extra.stop();
    await waitFor(() => processesWith(mark(4246)).length === 0, 10000, 'the sleep to be killed');
    stream.destroy();
    assert.ok(!fs.existsSync(extra.root), 'the temporary root is removed');
    const devices: Device[] = await adb.client.listDevices();
    assert.ok(!devices.some((d) => d.id === extra.serial), JSON.stringify(devices));
  });

  it('tracks a device being plugged and unplugged', async () => {
    const seen: DeviceInfo[][] = [];
    const tracking = await trackDevices(adb.client, (list) => seen.push(list), (e) => assert.fail(e));
    try {
      const extra = await startVirtualDevice({ abi: 'x86_64', adb });
      await waitFor(() => seen.some((l) => l.some((d) => d.serial === extra.serial && d.state === 'device' && d.abis[0] === 'x86_64')), 15000, 'the plug');
      await extra.stop();
      await waitFor(() => !seen[seen.length - 1].some((d) => d.serial === extra.serial), 15000, 'the unplug');
    } finally {
      tracking.stop();
    }
  });

  it('reports an adb server that goes away while tracking', async () => {
    const own = await privateAdbServer();
    const errors: Error[] = [];
    const tracking = await trackDevices(own.client, () => undefined, (e) => errors.push(e));
    try {
      await own.kill();
      await waitFor(() => errors.length > 0, 15000, 'the error');
      assert.match(errors[0].message, /adb server stopped reporting devices/);
    } finally {
      tracking.stop();
    }
  });
});
