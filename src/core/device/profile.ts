/**
 * Profiling configurations on a device (src/core/DESIGN.md §5): the runtime for the device's ABI, the compiled
 * model, the prepared data and the configurations go to /data/local/tmp/mobiprox/<run>/; `mpxrun profile`
 * runs there and streams one record per configuration, each appended to the local record log the moment
 * it arrives. A cancel kills the remote process; a disconnect leaves every completed record in the log,
 * and `resume` runs only the configurations the log lacks. The records are merged into the set.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MobiproxError } from '../errors';
import { ConfigurationSet, toHpvm } from '../knobs/configurationSet';
import { readNpy } from '../data/npy';
import { ProfileRecord } from '../runtime/mpxrun';
import { parseStreamRecord } from '../runtime/mpxrunRecords';
import { PreparedData } from '../runtime/prepare';
import { AdbServer } from './adbServer';
import { CacheFile, cacheFile, DeviceTransfer, ensureCached, NO_TRANSFER } from './deviceCache';
import { DeviceInfo, listDevices } from './deviceInfo';
import { ProfiledDevice, withDeviceMeasurements } from './deviceMeasurements';
import { runtimeForAbis } from './deviceRuntime';
import { DeviceClient, pushFile, shellOutput } from './deviceTransfer';
import { RecordStore, RunHeader } from './recordStore';
import { DeviceLostError, runRemote } from './remoteProcess';
import { remoteRun, RemoteRun, shQuote } from './remotePaths';

export interface DeviceProfileOptions {
  adb: AdbServer;
  /** The device; by default the only one attached. */
  serial?: string;
  /** The model, compiled, and the data set, preprocessed, with labels. */
  data: PreparedData;
  /** The configurations to measure; the records are merged into it. */
  set: ConfigurationSet;
  /** The local record log (JSON lines). */
  recordsFile: string;
  /** Keep the records of `recordsFile` and run only the configurations it lacks. */
  resume?: boolean;
  /** The run's folder name under /data/local/tmp/mobiprox (default: model name and a time stamp). */
  run?: string;
  /** Leave the run's folder on the device (default: removed at the end). */
  keepRemote?: boolean;
  batch?: number;
  threads?: number;
  /** Untimed batches before each configuration's outcomes pass (default 1). */
  warmup?: number;
  /** Passes over the data per configuration for the outcomes and the energy (default 1). */
  repeat?: number;
}

export interface DeviceProfileProgress {
  /** Configurations with a record, of `total`. */
  completed: number;
  total: number;
  message: string;
  record?: ProfileRecord;
}

export interface DeviceProfileControl {
  onProgress?: (progress: DeviceProfileProgress) => void;
  signal?: AbortSignal;
}

export interface DeviceProfile {
  set: ConfigurationSet;
  /** In configuration order. */
  records: ProfileRecord[];
  device: ProfiledDevice;
  /** Records taken from the log of an earlier, interrupted run. */
  resumed: number;
  /** Wall time of the remote mpxrun (push and set-up excluded), ms; 0 when nothing was left to run. */
  remoteMs: number;
  /** The fixed cost before it: what was pushed and what the device's cache already held. */
  transfer: DeviceTransfer;
}

export async function profileOnDevice(o: DeviceProfileOptions, control: DeviceProfileControl = {}): Promise<DeviceProfile> {
  const { data, set } = o;
  const { signal } = control;
  if (!data.labelsPath) throw new MobiproxError('Profiling on a device needs labels for the data set.');
  const total = set.configurations.length;
  const progress = (completed: number, message: string, record?: ProfileRecord) =>
    control.onProgress?.({ completed, total, message, record });

  await o.adb.start();
  const info = await chooseDevice(o.adb, o.serial);
  const device = o.adb.client.getDevice(info.serial);
  const runtime = await runtimeForAbis(info.abis, signal);
  const profiled: ProfiledDevice = { serial: info.serial, ...(info.model ? { model: info.model } : {}), abi: runtime.abi };

  const configsText = toHpvm(set);
  const configsPath = path.join(data.workDir, 'configurations.txt');
  fs.writeFileSync(configsPath, configsText);
  const warmup = o.warmup ?? 1;
  const repeat = o.repeat ?? 1;
  const header: RunHeader = {
    type: 'run', serial: info.serial, deviceModel: info.model, abi: runtime.abi,
    modelSha256: sha256(fs.readFileSync(data.mpxmPath)),
    dataSha256: sha256(fs.readFileSync(data.inputPath), fs.readFileSync(data.labelsPath)),
    configurationsSha256: sha256(Buffer.from(configsText)),
    configurations: total, samples: data.samples, batch: o.batch ?? 1, threads: o.threads, warmup, repeat,
  };
  const store = RecordStore.open(o.recordsFile, header, !!o.resume);
  const timed = (i: number) => store.records.get(i)?.timing !== undefined;
  const resumed = store.records.size;
  let remoteMs = 0;
  let transfer = NO_TRANSFER;
  try {
    // Outcomes are kept per configuration; timings are measured together, so the untimed are timed again.
    const missing = set.configurations.map((_, i) => i).filter((i) => !store.records.has(i));
    const untimed = set.configurations.map((_, i) => i).filter((i) => !timed(i));
    if (resumed > 0) progress(resumed, `resuming: ${resumed} of ${total} configurations' outcomes kept; the untimed are timed together`);
    if (untimed.length > 0) {
      const run = remoteRun(o.run ?? `${data.model.name}-${Date.now().toString(36)}`, {
        model: data.mpxmPath, input: data.inputPath, labels: data.labelsPath,
      });
      try {
        progress(store.records.size, `pushing the ${runtime.abi} runtime, model and data to ${info.serial}:${run.dir}`);
        transfer = await pushRun(device, run, { runtime: runtime.binary, model: data.mpxmPath, input: data.inputPath, labels: data.labelsPath, configs: configsPath });
        const argv = missing.length > 0
          ? [run.runtime, 'profile', run.model, '--input', run.input, '--labels', run.labels, '--configs', run.configs,
            '--per-sample', '--warmup', String(warmup), '--repeat', String(repeat), '--only', missing.join(','), '--timed', untimed.join(',')]
          : [run.runtime, 'measure', run.model, '--input', run.input, '--configs', run.configs, '--only', untimed.join(',')];
        argv.push('--batch', String(header.batch));
        if (o.threads !== undefined) argv.push('--threads', String(o.threads));
        if (data.model.endsWithSoftmax && missing.length > 0) argv.push('--probabilities');
        const started = Date.now();
        const exit = await runRemote(device, argv, run.pidFile, (line) => {
          if (!line.startsWith('{')) return false;
          const record = parseStreamRecord(line);
          if (record.type === 'config') {
            store.append(record);
            progress(store.records.size, `${record.name}: ${record.accuracy.toFixed(2)} %`, record);
            if (store.records.size === total) progress(total, `timing ${untimed.length} configurations together`);
          } else if (record.type === 'timing') {
            store.append({ ...store.records.get(record.index)!, latencyMsPerSample: record.latencyMsPerSample, timing: record.timing });
          }
          return true;
        }, signal);
        remoteMs = Date.now() - started;
        if (exit.status !== 0) {
          const said = exit.otherLines.join('\n').replace(/^mpxrun: /, '') || `exit status ${exit.status}`;
          throw new MobiproxError(`mpxrun failed on ${info.serial}: ${said}`, { value: info.serial });
        }
      } catch (e) {
        if (e instanceof DeviceLostError) {
          throw new MobiproxError(
            `${e.message} ${store.records.size} of ${total} configurations are kept in ${o.recordsFile}; ` +
              'reconnect the device and rerun with --resume to measure the rest.',
            { file: o.recordsFile },
          );
        }
        throw e;
      } finally {
        if (!o.keepRemote) await shellOutput(device, `rm -rf ${shQuote(run.dir)}`).catch(() => undefined);
      }
    }
  } finally {
    store.close();
  }
  const records = set.configurations.map((_, i) => store.records.get(i)!);
  const missing = records.findIndex((r) => r?.timing === undefined);
  if (missing >= 0) throw new MobiproxError(`${info.serial} reported no timed record for ${set.configurations[missing].name}.`);
  const labels = readNpy(data.labelsPath).data as Int32Array;
  return { set: withDeviceMeasurements(set, records, profiled, repeat, labels), records, device: profiled, resumed, remoteMs, transfer };
}

/** The device with `serial`, or the only online one. */
export async function chooseDevice(adb: AdbServer, serial?: string): Promise<DeviceInfo> {
  const devices = await listDevices(adb.client);
  if (serial !== undefined) {
    const found = devices.find((d) => d.serial === serial);
    if (!found) {
      throw new MobiproxError(`No device ${serial} is attached (adb sees: ${devices.map((d) => d.serial).join(', ') || 'none'}).`, { value: serial });
    }
    if (found.state !== 'device') throw new MobiproxError(`${serial} is ${found.state}, not ready: check the device's USB debugging prompt.`, { value: serial });
    return found;
  }
  const online = devices.filter((d) => d.state === 'device');
  if (online.length === 1) return online[0];
  if (online.length === 0) {
    throw new MobiproxError('No device is attached: plug one in with USB debugging on, or start one with `mobiprox device virtual`.');
  }
  throw new MobiproxError(`${online.length} devices are attached (${online.map((d) => d.serial).join(', ')}): choose one with --device.`);
}

/**
 * The runtime, model and data go to the device's cache (deviceCache.ts), and the run folder links them under
 * the run's names; only the configurations are pushed into the folder itself.
 */
async function pushRun(
  device: DeviceClient, run: RemoteRun, local: { runtime: string; model: string; input: string; labels: string; configs: string },
): Promise<DeviceTransfer> {
  const started = Date.now();
  const files: [string, string, CacheFile][] = [
    ['runtime', run.runtime, cacheFile(local.runtime, 0o755)],
    ['model', run.model, cacheFile(local.model)],
    ['input', run.input, cacheFile(local.input)],
    ['labels', run.labels, cacheFile(local.labels)],
  ];
  // A link may point at a file still being pushed: it is complete, under its name, before mpxrun starts.
  const links = files.map(([, at, f]) => `ln -sf ${shQuote(path.posix.relative(run.dir, f.remote))} ${shQuote(at)}`).join(' && ');
  const folder = async () => {
    const made = await shellOutput(device, `mkdir -p ${shQuote(run.dir)} && ${links} && echo ok`);
    if (made.trim() !== 'ok') throw new MobiproxError(`Cannot create ${run.dir} on ${device.serial}: ${made.trim()}`, { value: run.dir });
    await pushFile(device, local.configs, run.configs);
  };
  const [cached] = await Promise.all([ensureCached(device, files.map(([, , f]) => f)), folder()]);
  const pushed = files.filter(([, , f]) => cached.pushed.some((p) => p.remote === f.remote)).map(([role]) => role);
  return {
    pushedBytes: cached.pushed.reduce((s, f) => s + f.size, 0) + fs.statSync(local.configs).size,
    cachedBytes: cached.cachedBytes,
    pushMs: Date.now() - started,
    pushed: [...pushed, 'configurations'],
  };
}

function sha256(...parts: Buffer[]): string {
  const hash = crypto.createHash('sha256');
  for (const p of parts) hash.update(p);
  return hash.digest('hex');
}
