/**
 * Profiling on the virtual device through the real adb server and adbkit: the `profile` command end to end
 * on x86_64 (the same accuracies as `mobiprox run` on the host, no invented energy, a run folder and a
 * model file named with spaces and quotes), on arm64-v8a under qemu, and the device killed mid-run
 * (completed records kept, --resume measures only the rest, no remote process left) and a cancel.
 */
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AdbServer } from '../src/core/device/adbServer';
import { runtimePath } from '../src/core/device/deviceRuntime';
import { configurationSetFor } from '../src/core/device/deviceMeasurements';
import { DeviceProfile, profileOnDevice } from '../src/core/device/profile';
import { RecordStore, RunHeader } from '../src/core/device/recordStore';
import { MobiproxError } from '../src/core/errors';
import { startVirtualDevice, VirtualDevice } from '../src/virtualDevice/virtualDevice';
import { Configuration, parseHpvm } from '../src/core/knobs/configuration';
import { readConfigurationSet } from '../src/core/knobs/configurationSet';
import { toNumbers } from '../src/core/data/ndarray';
import { readNpy } from '../src/core/data/npy';
import { ProfileRecord, locateMpxrun, runModel } from '../src/core/runtime/mpxrun';
import { PreparedData, prepareData } from '../src/core/runtime/prepare';
import { CliResult, privateAdbServer, processesWith, waitFor } from './support/adbFixture';
import { requireTools } from './support/requirements';
import { calibrated, hpvmText, knobConfigurations, profileSubject } from './support/profileFixture';

const DRIVER = path.join(__dirname, '../src/cli/main.js');
const subject = profileSubject();

/** Accuracy of each configuration as `mobiprox run` measures it on the host (same prepared data). */
async function hostAccuracies(data: PreparedData, configsFile: string, count: number): Promise<number[]> {
  const out: number[] = [];
  for (let k = 0; k < count; k++) {
    const r = await runModel(data.mpxmPath, data.inputPath, {
      labels: data.labelsPath, configs: configsFile, config: k, probabilities: data.model.endsWithSoftmax, batch: 16,
    });
    out.push(r.accuracy!);
  }
  return out;
}

/** The run folders on the device, without the file cache that outlives them. */
function remoteRuns(vd: VirtualDevice): string[] {
  const base = path.join(vd.root, 'data/local/tmp/mobiprox');
  return fs.existsSync(base) ? fs.readdirSync(base).filter((n) => n !== 'cache') : [];
}

describe('the record log of a profiling run', () => {
  let dir: string;
  let file: string;
  const header: RunHeader = {
    type: 'run', serial: 's', abi: 'x86_64', modelSha256: 'm', dataSha256: 'd', configurationsSha256: 'c',
    configurations: 2, samples: 4, batch: 1, warmup: 1, repeat: 1,
  };
  const record = (index: number): ProfileRecord => ({
    type: 'config', index, name: `conf${index}`, samples: 4, accuracy: 0.75, correct: 3,
    confidence: { mean: 0.9, correct: 0.95, wrong: 0.8, perClass: [{ mean: 0.9, correct: 0.95, wrong: null }] }, energyJoules: null,
  });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-records-'));
    file = path.join(dir, 'run.records.jsonl');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is written only once there is a record: a run that fails before leaves no header-only log', () => {
    RecordStore.open(file, header, false).close();
    assert.ok(!fs.existsSync(file), 'a log without records was written');
    const store = RecordStore.open(file, header, false);
    store.append(record(0));
    store.close();
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => l.type), ['run', 'config']);
    const resumed = RecordStore.open(file, header, true);
    assert.deepEqual(resumed.records.get(0), record(0));
    resumed.append(record(1));
    resumed.close();
    assert.deepEqual(fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l).type), ['run', 'config', 'config']);
  });

  it('refuses to resume from a line whose fields are not a record, naming the file, the line and the field', () => {
    const corrupt = { ...record(1), accuracy: '0.75' };
    fs.writeFileSync(file, [header, record(0), corrupt].map((l) => JSON.stringify(l) + '\n').join(''));
    assert.throws(() => RecordStore.open(file, header, true), (e: Error) =>
      e instanceof MobiproxError && e.message.startsWith(`${file}:3 holds a record whose accuracy is "0.75", not a number;`) && /--resume/.test(e.message));
    fs.writeFileSync(file, [header, { ...record(0), index: 7 }].map((l) => JSON.stringify(l) + '\n').join(''));
    assert.throws(() => RecordStore.open(file, header, true), /run\.records\.jsonl:2 holds a record whose index is 7, not below the run's 2 configurations/);
    fs.writeFileSync(file, [{ ...header, samples: 'four' }, record(0)].map((l) => JSON.stringify(l) + '\n').join(''));
    assert.throws(() => RecordStore.open(file, header, true), /run\.records\.jsonl:1 holds a record whose samples is "four", not an integer/);
    fs.writeFileSync(file, [record(0), header].map((l) => JSON.stringify(l) + '\n').join(''));
    assert.throws(() => RecordStore.open(file, header, true), /run\.records\.jsonl is not a Mobiprox profiling log/);
  });
});

describe('profiling on the virtual device', function () {
  this.timeout(600000);
  let adb: AdbServer;
  let work: string;
  let data: PreparedData;
  let configs: Configuration[];
  let configsFile: string;
  let expected: number[];
  const devices: VirtualDevice[] = [];

  const cli = (args: string[]): Promise<CliResult> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [DRIVER, ...args], {
        env: { ...process.env, ANDROID_ADB_SERVER_PORT: String(adb.port) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });

  const device = async (abi: 'x86_64' | 'arm64-v8a', port?: number): Promise<VirtualDevice> => {
    const vd = await startVirtualDevice({ abi, adb, port });
    devices.push(vd);
    return vd;
  };

  before(async function () {
    requireTools(this, 'adb', 'x86_64-linux-gnu-gcc', 'cmake');
    if (!subject.model.includes('shared')) console.log('    ../shared is absent: profiling the project\'s har-mobiprox instead of har-cnn');
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-profile-test-'));
    adb = await privateAdbServer();
    data = prepareData({ model: subject.model, input: subject.input, labels: subject.labels, limit: 600, preprocessing: subject.preprocessing });
    configs = knobConfigurations(await calibrated(data.model, data.mpxmPath, data.inputPath), 5);
    configsFile = path.join(work, 'five configurations.txt');
    fs.writeFileSync(configsFile, hpvmText(configs));
    expected = await hostAccuracies(data, configsFile, configs.length);
  });

  after(async () => {
    for (const vd of devices) await vd.stop();
    await adb?.kill();
    data?.dispose();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('measures five configurations on x86_64 with the host accuracies, no energy, awkward names and both formats', async () => {
    const vd = await device('x86_64');
    const model = path.join(work, `har "cnn" it's.onnx`);
    fs.copyFileSync(subject.model, model);
    const run = `it's a "run" folder`;
    const out = path.join(work, 'profiled.json');
    const hpvm = path.join(work, 'profiled.txt');
    const r = await cli([
      'profile', model, '--configs', configsFile, '--input', subject.input, '--labels', subject.labels, ...subject.preprocessingArgs,
      '--limit', '600', '--batch', '16', '--device', vd.serial, '--run', run, '--keep-remote', '--out', out, '--hpvm-out', hpvm,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /no readable fuel gauge/);
    assert.match(r.stderr, /^pushed \d+(\.\d)? [kM]?B in \d+\.\d\d s$/m, 'a fresh device holds nothing yet');

    const set = readConfigurationSet(out);
    assert.deepEqual(set.configurations.map((c) => c.name), configs.map((c) => c.name));
    assert.deepEqual(set.configurations.map((c) => c.device!.accuracy), expected);
    for (const c of set.configurations) {
      const d = c.device!;
      assert.equal(d.serial, vd.serial);
      assert.equal(d.abi, 'x86_64');
      assert.equal(d.energyJoules, null, 'the virtual device has no fuel gauge: energy must not be invented');
      assert.equal(d.qosLoss, expected[0] - d.accuracy);
      assert.ok(d.latencyMsPerSample! > 0 && d.timing!.rounds >= 10 && d.timing!.latencyMsPerSample.low <= d.latencyMsPerSample!);
      assert.ok(d.qosLossInterval![0] <= d.qosLoss && d.qosLoss <= d.qosLossInterval![1]);
      assert.equal(c.samples!.predictions.length, 600);
      assert.equal(c.samples!.confidences.length, 600);
      // the recorded outcomes reproduce the measured accuracy
      const labels = readLabels(data.labelsPath!);
      const correct = c.samples!.predictions.filter((p, i) => p === labels[i]).length;
      assert.ok(Math.abs((100 * correct) / 600 - d.accuracy) < 1e-6, `${correct} correct of 600 vs ${d.accuracy} %`);
      assert.equal(d.confidence!.length, 1 + data.model.outputShapes[0].reduce((a, b) => a * b, 1));
    }
    assert.equal(set.configurations[0].device!.speedup, 1);
    assert.equal(set.profiledOn?.limit, 600);

    // The int8 configuration (the last, with the host's calibration) gives the host's outputs bit for bit from
    // the runtime the device ran: same scales, same integer sums, same float steps.
    const int8 = configs.length - 1;
    assert.equal(configs[int8].layers.flat().filter((s) => s.knob === 311).length > 0, true);
    const outputs = (binary: string) => {
      const file = path.join(work, `int8-${path.basename(binary)}.npy`);
      const r = spawnSync(binary, ['run', data.mpxmPath, '--input', data.inputPath, '--configs', configsFile, '--config', String(int8),
        '--batch', '16', '--timed', 'none', '--save-outputs', file], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return readNpy(file).data;
    };
    assert.deepEqual(outputs(runtimePath('x86_64')), outputs(locateMpxrun()));

    // Profiled with --limit 600: simulate on the same labels file replays those 600 samples, and says so.
    const sim = await cli(['simulate', '--profile', out, '--labels', subject.labels, '--strategy', 'fixed', '--json']);
    assert.equal(sim.code, 0, sim.stderr);
    assert.match(sim.stderr, /profiled on the first 600 of the \d+ samples \(profile --limit 600\)/);
    assert.equal(JSON.parse(sim.stdout).traces[0].timeline.length, 600);

    const text = parseHpvm(fs.readFileSync(hpvm, 'utf8'), hpvm);
    assert.deepEqual(text.configurations.map((c) => c.accuracy), expected.map((a) => Number(a.toPrecision(8))));
    assert.ok(text.configurations.every((c) => c.confidence && c.confidence.length > 1));

    // --keep-remote: the run folder with its quoted names is still on the device, holding what was pushed
    const folder = path.join(vd.root, 'data/local/tmp/mobiprox', run);
    assert.deepEqual(fs.readdirSync(folder).sort(), [`har "cnn" it's.mpxm`, 'configurations.txt', 'input.npy', 'labels.npy', 'mpxrun', 'mpxrun.pid'].sort());
  });

  it('measures configurations on arm64-v8a under qemu with the host accuracies', async function () {
    requireTools(this, 'qemu-aarch64-static', 'aarch64-linux-gnu-gcc');
    const vd = await device('arm64-v8a');
    const limit = 150;
    const small = prepareData({ model: subject.model, input: subject.input, labels: subject.labels, limit, preprocessing: subject.preprocessing });
    try {
      const host = await hostAccuracies(small, configsFile, configs.length);
      const r = await profileOnDevice({
        adb, serial: vd.serial, data: small, set: configurationSetFor(subject.model, small, configs),
        recordsFile: path.join(work, 'arm64.records.jsonl'), batch: 16, warmup: 0,
      });
      assert.equal(r.device.abi, 'arm64-v8a');
      assert.ok(fs.existsSync(runtimePath('arm64-v8a')));
      assert.deepEqual(r.set.configurations.map((c) => c.device!.accuracy), host);
      assert.ok(r.records.every((rec) => rec.energyJoules === null && rec.samples === limit));
      assert.deepEqual(remoteRuns(vd), [], 'the run folder is removed at the end');
      // The same binary runs on an ARMv8.0 core without FP16 arithmetic (Cortex-A53) with the same result.
      const configIndex = 1;
      const a53 = spawnSync('qemu-aarch64-static', [
        '-cpu', 'cortex-a53', runtimePath('arm64-v8a'), 'run', small.mpxmPath, '--input', small.inputPath, '--labels', small.labelsPath!,
        '--configs', configsFile, '--config', String(configIndex), '--batch', '16', ...(small.model.endsWithSoftmax ? ['--probabilities'] : []),
      ], { encoding: 'utf8' });
      assert.equal(a53.status, 0, a53.stderr);
      assert.equal(JSON.parse(a53.stdout).accuracy, r.records[configIndex].accuracy);
    } finally {
      small.dispose();
    }
  });

  it('keeps completed records when the device dies mid-run, resumes only the rest, and leaves no process', async () => {
    const first = await device('x86_64');
    const recordsFile = path.join(work, 'interrupted.records.jsonl');
    const run = `interrupted-${process.pid}`;
    const set = configurationSetFor(subject.model, data, configs);
    // repeat makes each configuration long enough to stop the device between two of them
    const options = { adb, serial: first.serial, data, set, recordsFile, run, batch: 1, repeat: 3 };
    let completed = 0;
    const interrupted = profileOnDevice(options, { onProgress: (p) => (completed = p.completed) });
    await waitFor(() => completed >= 2, 120000, 'two records');
    await first.stop();
    await assert.rejects(interrupted, /connection to .* was lost.*configurations are kept in .*--resume/s);
    await waitFor(() => processesWith(run).length === 0, 5000, 'the remote mpxrun to end');
    const kept = fs.readFileSync(recordsFile, 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l).index as number);
    assert.ok(kept.length >= 2 && kept.length < configs.length, `kept ${kept}`);

    const again = await device('x86_64', first.port); // same serial, as a phone plugged in again
    const seen: number[] = [];
    const resumed: DeviceProfile = await profileOnDevice({ ...options, serial: again.serial, resume: true }, {
      onProgress: (p) => p.record && seen.push(p.record.index),
    });
    assert.equal(resumed.resumed, kept.length);
    assert.deepEqual(seen, configs.map((_, i) => i).filter((i) => !kept.includes(i)), 'only the missing configurations ran');
    assert.deepEqual(resumed.set.configurations.map((c) => c.device!.accuracy), expected);
    assert.equal(processesWith(run).length, 0);
    assert.deepEqual(remoteRuns(again), []);
  });

  it('stops the remote process on cancel', async () => {
    const vd = await device('x86_64');
    const run = `cancelled-${process.pid}`;
    const controller = new AbortController();
    const profiling = profileOnDevice({
      adb, serial: vd.serial, data, set: configurationSetFor(subject.model, data, configs), run,
      recordsFile: path.join(work, 'cancelled.records.jsonl'), batch: 1, repeat: 3,
    }, { onProgress: (p) => p.completed >= 1 && controller.abort(), signal: controller.signal });
    await assert.rejects(profiling, { name: 'AbortError' });
    assert.deepEqual(processesWith(run), [], 'no mpxrun left running on the device');
    assert.deepEqual(remoteRuns(vd), []);
    const lines = fs.readFileSync(path.join(work, 'cancelled.records.jsonl'), 'utf8').trim().split('\n');
    assert.ok(lines.length >= 2, 'the record completed before the cancel is kept');
  });
});

function readLabels(file: string): ArrayLike<number> {
  return toNumbers(readNpy(file));
}
