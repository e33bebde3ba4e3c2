/**
 * Locating adb (setting, ANDROID_HOME, ANDROID_SDK_ROOT, PATH, and the error with the fix), reading
 * `dumpsys battery`, and the virtual device's mapping of device paths into its root.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { locateAdb } from '../src/core/device/adbLocation';
import { AdbServer } from '../src/core/device/adbServer';
import { parseBattery } from '../src/core/device/deviceInfo';
import { Sandbox } from '../src/virtualDevice/sandbox';
import { MobiproxError } from '../src/core/errors';

function fakeAdb(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'adb');
  fs.writeFileSync(file, '#!/bin/sh\necho fake\n', { mode: 0o755 });
  return file;
}

describe('locating adb', () => {
  let work: string;
  before(() => (work = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-adb-test-'))));
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it('prefers the setting, then ANDROID_HOME, then ANDROID_SDK_ROOT, then PATH', () => {
    const onPath = fakeAdb(path.join(work, 'bin'));
    const home = fakeAdb(path.join(work, 'home-sdk', 'platform-tools'));
    const root = fakeAdb(path.join(work, 'root-sdk', 'platform-tools'));
    const setting = fakeAdb(path.join(work, 'chosen'));
    const env = { PATH: path.dirname(onPath), ANDROID_HOME: path.join(work, 'home-sdk'), ANDROID_SDK_ROOT: path.join(work, 'root-sdk') };
    assert.equal(locateAdb({ setting, env }), setting);
    assert.equal(locateAdb({ env }), home);
    assert.equal(locateAdb({ env: { ...env, ANDROID_HOME: path.join(work, 'no-sdk-here') } }), root);
    assert.equal(locateAdb({ env: { PATH: `${path.join(work, 'empty')}:${path.dirname(onPath)}` } }), onPath);
  });

  it('says how to install adb when there is none', () => {
    assert.throws(
      () => locateAdb({ env: { PATH: '', ANDROID_HOME: path.join(work, 'nothing') } }),
      (e: unknown) =>
        e instanceof MobiproxError &&
        /adb was not found/.test(e.message) &&
        e.message.includes(path.join(work, 'nothing')) &&
        /install the Debian package adb or the Android SDK platform-tools/i.test(e.message),
    );
  });

  it('names a wrong setting instead of searching elsewhere', () => {
    const wrong = path.join(work, 'not-adb');
    fs.writeFileSync(wrong, 'not executable', { mode: 0o644 });
    for (const setting of [wrong, path.join(work, 'missing', 'adb')]) {
      assert.throws(
        () => locateAdb({ setting, env: { PATH: '/usr/bin:/bin' } }),
        (e: unknown) => e instanceof MobiproxError && e.message.includes(setting) && /point it at adb/.test(e.message),
      );
    }
  });

  it('fails with the fix before touching the network when adb is missing', () => {
    const saved = process.env.PATH;
    const savedHome = process.env.ANDROID_HOME;
    const savedRoot = process.env.ANDROID_SDK_ROOT;
    process.env.PATH = '';
    delete process.env.ANDROID_HOME;
    delete process.env.ANDROID_SDK_ROOT;
    try {
      assert.throws(() => AdbServer.locate(), /Install the Debian package adb/);
    } finally {
      process.env.PATH = saved;
      if (savedHome !== undefined) process.env.ANDROID_HOME = savedHome;
      if (savedRoot !== undefined) process.env.ANDROID_SDK_ROOT = savedRoot;
    }
  });
});

describe('dumpsys battery', () => {
  it('reads level and charging state from a phone on USB', () => {
    const pixel = [
      'Current Battery Service state:',
      '  AC powered: false',
      '  USB powered: true',
      '  Wireless powered: false',
      '  Max charging current: 500000',
      '  status: 2',
      '  health: 2',
      '  present: true',
      '  level: 78',
      '  scale: 100',
      '  voltage: 4092',
      '  technology: Li-ion',
    ].join('\r\n');
    assert.deepEqual(parseBattery(pixel), { level: 78, charging: true });
  });

  it('scales the level and reads discharging and full', () => {
    assert.deepEqual(parseBattery('  AC powered: false\n  USB powered: false\n  status: 3\n  level: 150\n  scale: 200\n'), {
      level: 75,
      charging: false,
    });
    assert.deepEqual(parseBattery('  AC powered: true\n  status: 5\n  level: 100\n  scale: 100\n'), { level: 100, charging: true });
  });

  it('invents nothing when there is no battery service', () => {
    assert.deepEqual(parseBattery("Can't find service: battery\n"), { level: undefined, charging: undefined });
    assert.deepEqual(parseBattery(''), { level: undefined, charging: undefined });
  });
});

describe('virtual device paths', () => {
  let work: string;
  let sandbox: Sandbox;
  before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-sandbox-test-'));
    sandbox = Sandbox.create(path.join(work, 'root'), { 'ro.product.model': 'm' });
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it('maps device paths into the root and refuses climbing out', () => {
    const root = path.join(work, 'root');
    assert.equal(sandbox.hostPath('/data/local/tmp/a b/c'), path.join(root, 'data/local/tmp/a b/c'));
    assert.equal(sandbox.hostPath('/data/local/tmp/x/../y'), path.join(root, 'data/local/tmp/y'));
    assert.equal(sandbox.hostPath('sdcard/f'), path.join(root, 'sdcard/f'));
    for (const bad of ['/..', '/data/../../etc/passwd', '../x']) assert.throws(() => sandbox.hostPath(bad), MobiproxError);
  });

  it("rewrites Android paths in command lines, quoted or not, and leaves the host's alone", () => {
    const r = sandbox.root;
    assert.equal(
      sandbox.rewriteCommand(`cd '/data/local/tmp/my run' && ./mpxrun --input="/sdcard/x.npy" >/dev/null 2>&1`),
      `cd '${r}/data/local/tmp/my run' && ./mpxrun --input="${r}/sdcard/x.npy" >/dev/null 2>&1`,
    );
    assert.equal(sandbox.rewriteCommand('cat /sys/class/power_supply/*/current_now'), `cat ${r}/sys/class/power_supply/*/current_now`);
    assert.equal(sandbox.rewriteCommand('ls /proc/self /usr/data /bin/sh;/system/bin/getprop'), `ls /proc/self /usr/data /bin/sh;${r}/system/bin/getprop`);
  });

  it('refuses a root a shell would split', () => {
    assert.throws(() => Sandbox.create(path.join(work, "it's root"), {}), /characters a shell would split/);
  });
});

describe("virtual device output paths", () => {
  let work: string;
  let sandbox: Sandbox;
  before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-view-test-'));
    sandbox = Sandbox.create(path.join(work, 'root'), {});
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  async function view(chunks: string[]): Promise<string> {
    const t = sandbox.deviceView();
    const out: Buffer[] = [];
    t.on('data', (c: Buffer) => out.push(c));
    const ended = new Promise((resolve) => t.on('end', resolve));
    for (const c of chunks) t.write(Buffer.from(c, 'latin1'));
    t.end();
    await ended;
    return Buffer.concat(out).toString('latin1');
  }

  it('shows device paths wherever the root appears, across any chunk boundary', async () => {
    const r = sandbox.root;
    const text = `cannot open ${r}/data/local/tmp/x.npy\ncwd ${r}\nother ${r}x/kept\n${r}`;
    const expected = 'cannot open /data/local/tmp/x.npy\ncwd /\nother ' + `${r}x/kept\n/`;
    for (let cut = 0; cut <= text.length; cut++) {
      assert.equal(await view([text.slice(0, cut), text.slice(cut)]), expected, `split at ${cut}`);
    }
    assert.equal(await view(text.split('')), expected, 'one byte at a time');
  });
});
