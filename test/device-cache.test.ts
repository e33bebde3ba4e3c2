/**
 * The device's file cache (deviceCache.ts) on the virtual device through the real adb server: a second
 * profiling of the same model and data pushes only its configurations, a changed data file is pushed
 * again, a cache file cut short on the device is pushed again rather than used, files unused for days are
 * evicted, and a program of a foreign ABI (behind the virtual device's launcher script) is found cached.
 * Only bytes are checked, never durations.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AdbServer } from '../src/core/device/adbServer';
import { cacheFile, ensureCached } from '../src/core/device/deviceCache';
import { configurationSetFor } from '../src/core/device/deviceMeasurements';
import { runtimePath } from '../src/core/device/deviceRuntime';
import { shellOutput } from '../src/core/device/deviceTransfer';
import { DeviceProfile, profileOnDevice } from '../src/core/device/profile';
import { startVirtualDevice, VirtualDevice } from '../src/virtualDevice/virtualDevice';
import { NdArray } from '../src/core/data/ndarray';
import { readNpy, writeNpy } from '../src/core/data/npy';
import { Configuration } from '../src/core/knobs/configuration';
import { PreparedData, prepareData } from '../src/core/runtime/prepare';
import { compileStatic, privateAdbServer } from './support/adbFixture';
import { requireTools } from './support/requirements';
import { knobConfigurations, profileSubject } from './support/profileFixture';

const subject = profileSubject();
const CACHE = '/data/local/tmp/mobiprox/cache';

describe('the file cache on the virtual device', function () {
  this.timeout(600000);
  let adb: AdbServer;
  let vd: VirtualDevice;
  let work: string;
  let data: PreparedData;
  let configs: Configuration[];
  let first: DeviceProfile;
  let runs = 0;

  const cacheDir = () => path.join(vd.root, CACHE.slice(1));
  /** The cache's files on the device, by name, with their inode: a file pushed again is a new one. */
  const listing = () => new Map(fs.readdirSync(cacheDir()).map((n) => [n, fs.statSync(path.join(cacheDir(), n)).ino]));
  const cachedName = (local: string, mode?: number) => path.posix.basename(cacheFile(local, mode).remote);
  const size = (file: string) => fs.statSync(file).size;
  const configsFile = (d: PreparedData) => path.join(d.workDir, 'configurations.txt');
  const profile = (d: PreparedData) =>
    profileOnDevice({
      adb, serial: vd.serial, data: d, set: configurationSetFor(subject.model, d, configs),
      recordsFile: path.join(work, `run${++runs}.records.jsonl`), batch: 16,
    });

  before(async function () {
    requireTools(this, 'adb', 'x86_64-linux-gnu-gcc', 'cmake');
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-cache-test-'));
    adb = await privateAdbServer();
    vd = await startVirtualDevice({ abi: 'x86_64', adb });
    data = prepareData({ model: subject.model, input: subject.input, labels: subject.labels, limit: 300, preprocessing: subject.preprocessing });
    configs = knobConfigurations(data.model, 2);
  });

  after(async () => {
    await vd?.stop();
    await adb?.kill();
    data?.dispose();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('pushes runtime, model and data once: a second profiling pushes only its configurations', async () => {
    first = await profile(data);
    const runtime = runtimePath('x86_64');
    const all = [runtime, data.mpxmPath, data.inputPath, data.labelsPath!];
    assert.deepEqual(first.transfer.pushed, ['runtime', 'model', 'input', 'labels', 'configurations']);
    assert.equal(first.transfer.pushedBytes, all.reduce((s, f) => s + size(f), 0) + size(configsFile(data)));
    assert.equal(first.transfer.cachedBytes, 0);
    const names = [cachedName(runtime, 0o755), cachedName(data.mpxmPath), cachedName(data.inputPath), cachedName(data.labelsPath!)];
    assert.match(names[0], /^[0-9a-f]{64}$/);
    assert.match(names[1], /^[0-9a-f]{64}\.mpxm$/);
    const before = listing();
    assert.deepEqual([...before.keys()].sort(), [...names].sort(), 'nothing but the four files, no temporaries');
    assert.equal(fs.statSync(path.join(cacheDir(), names[0])).mode & 0o777, 0o755);
    assert.deepEqual(fs.readdirSync(path.join(vd.root, 'data/local/tmp/mobiprox')), ['cache'], 'the run folder goes, the cache stays');

    const second = await profile(data);
    assert.deepEqual(second.transfer.pushed, ['configurations']);
    assert.equal(second.transfer.pushedBytes, size(configsFile(data)));
    assert.equal(second.transfer.cachedBytes, first.transfer.pushedBytes - size(configsFile(data)));
    assert.deepEqual(listing(), before, 'no cached file was written again');
    assert.deepEqual(second.records.map((r) => r.accuracy), first.records.map((r) => r.accuracy));
    console.log(`    pushed ${first.transfer.pushedBytes} bytes on the first run, ${second.transfer.pushedBytes} on the second` +
      ` (${second.transfer.cachedBytes} already on the device)`);
  });

  it('pushes a changed data file again', async () => {
    // the first sample's label changes from right to wrong for the exact configuration, or from wrong to right
    const labels = readNpy(data.labelsPath!) as NdArray<Int32Array>; // prepareData writes int32 labels
    const predicted = first.records[0].predictions![0];
    const label = labels.data[0] === predicted ? (predicted === 0 ? 1 : 0) : predicted;
    const changedLabels = path.join(work, 'changed labels.npy');
    writeNpy(changedLabels, { ...labels, data: labels.data.map((l, i) => (i === 0 ? label : l)) });
    const changed: PreparedData = { ...data, labelsPath: changedLabels };
    const before = listing();
    const r = await profile(changed);
    assert.deepEqual(r.transfer.pushed, ['labels', 'configurations']);
    assert.equal(r.transfer.pushedBytes, size(changedLabels) + size(configsFile(data)));
    const added = [...listing().keys()].filter((n) => !before.has(n));
    assert.deepEqual(added, [cachedName(changedLabels)]);
    assert.ok(fs.readFileSync(path.join(cacheDir(), added[0])).equals(fs.readFileSync(changedLabels)));
    assert.equal(Math.abs(r.records[0].correct - first.records[0].correct), 1, 'the device read the changed labels');
  });

  it('pushes a cache file cut short on the device again instead of using it', async () => {
    const name = cachedName(data.inputPath);
    // a push interrupted after 1000 bytes, as if it had been renamed into place
    const device = adb.client.getDevice(vd.serial);
    await shellOutput(device, `truncate -s 1000 ${CACHE}/${name}`);
    assert.equal(fs.statSync(path.join(cacheDir(), name)).size, 1000);
    const r = await profile(data);
    assert.deepEqual(r.transfer.pushed, ['input', 'configurations']);
    assert.equal(r.transfer.pushedBytes, size(data.inputPath) + size(configsFile(data)));
    assert.ok(fs.readFileSync(path.join(cacheDir(), name)).equals(fs.readFileSync(data.inputPath)));
    assert.deepEqual(r.records.map((rec) => rec.accuracy), first.records.map((rec) => rec.accuracy));
    assert.ok(![...listing().keys()].some((n) => n.includes('.part-')), 'no temporary left');
  });

  it('evicts files unused for three days, not the ones it is asked for', async () => {
    const device = adb.client.getDevice(vd.serial);
    const old = (Date.now() - 4 * 24 * 3600 * 1000) / 1000;
    const input = path.join(cacheDir(), cachedName(data.inputPath));
    const stale = path.join(cacheDir(), `${'0'.repeat(64)}.npy.part-1-00000000`);
    fs.writeFileSync(stale, 'half a push');
    fs.utimesSync(stale, old, old);
    fs.utimesSync(input, old, old);
    const runtime = path.join(cacheDir(), cachedName(runtimePath('x86_64'), 0o755));
    const r = await ensureCached(device, [cacheFile(data.inputPath)]);
    assert.deepEqual(r.pushed, []);
    assert.equal(r.cachedBytes, size(data.inputPath));
    assert.ok(!fs.existsSync(stale), 'the stale temporary is removed');
    assert.ok(fs.existsSync(input) && fs.statSync(input).mtimeMs > old * 1000, 'the file asked for is kept and touched');
    assert.ok(fs.existsSync(runtime), 'a file used today stays');
  });

  it('finds a program of a foreign ABI cached behind the virtual device\'s launcher', async function () {
    requireTools(this, 'qemu-aarch64-static', 'aarch64-linux-gnu-gcc');
    const arm = await startVirtualDevice({ abi: 'arm64-v8a', adb });
    try {
      const program = compileStatic('aarch64-linux-gnu-gcc', 'int main(void) { return 7; }\n', path.join(work, 'seven'));
      const device = adb.client.getDevice(arm.serial);
      const file = cacheFile(program, 0o755);
      assert.deepEqual((await ensureCached(device, [file])).pushed, [file]);
      const again = await ensureCached(device, [file]);
      assert.deepEqual(again.pushed, []);
      assert.equal(again.cachedBytes, size(program));
      assert.equal((await shellOutput(device, `${file.remote}; echo $?`)).trim(), '7');
    } finally {
      await arm.stop();
    }
  });
});
