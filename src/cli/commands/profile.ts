import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { AdbServer } from '../../core/device/adbServer';
import { describeTransfer } from '../../core/device/deviceCache';
import { measurementNotes, timingSummary } from '../../core/stats/describe';
import { formatInterval } from '../../core/stats/intervals';
import { configurationSetFor } from '../../core/device/deviceMeasurements';
import { DeviceProfileProgress, profileOnDevice } from '../../core/device/profile';
import { MobiproxError } from '../../core/errors';
import { refuseFolder } from '../../core/fsutil';
import { writeFileAtomic } from '../../core/fsutil';
import { parseHpvm } from '../../core/knobs/configuration';
import {
  ConfigurationSet, ProfiledData, checkConfigurationsFit, labelsSha256, readConfigurationSet, toHpvm, writeConfigurationSet,
} from '../../core/knobs/configurationSet';
import { readNpy } from '../../core/data/npy';
import { PreparedData, prepareData } from '../../core/runtime/prepare';
import { addPreprocessingOptions, checkWritableFolder, positiveInt, preprocessingFrom, threadCount } from '../options';

export function register(program: Command): void {
  addPreprocessingOptions(
    program
      .command('profile <model>')
      .description('measure configurations on an Android device over adb: accuracy, latency, energy, per-sample confidences')
      .requiredOption('--configs <file>', 'the configurations: Mobiprox JSON (from tune) or ApproxTuner/HPVM text')
      .requiredOption('--input <x.npy>', 'input samples, [N, ...]')
      .requiredOption('--labels <y.npy>', 'class index per sample')
      .option('--limit <n>', 'use only the first n samples', positiveInt),
  )
    .option('--device <serial>', 'the device (default: the only one attached)')
    .option('--batch <b>', 'samples per inference', positiveInt, 1)
    .option('--threads <n>', "runtime threads on the device (default: all its cores)", threadCount)
    .option('--repeat <r>', 'passes over the data per configuration for the outcomes and the energy (latency and speedup come from the measurement of all configurations together)', positiveInt, 1)
    .option('--resume', 'keep the records of an interrupted run (--records) and measure only the rest')
    .option('--records <log.jsonl>', 'the record log, one JSON line per measured configuration (default: <out>.records.jsonl)')
    .option('--run <name>', 'folder name under /data/local/tmp/mobiprox on the device (default: model name and time)')
    .option('--keep-remote', "leave the run's folder on the device")
    .option('--adb <path>', 'the adb executable (default: ANDROID_HOME, ANDROID_SDK_ROOT, then PATH)')
    .requiredOption('--out <profiled.json>', 'the configurations with their device measurements, Mobiprox JSON')
    .option('--hpvm-out <confs.txt>', 'the same as ApproxTuner/HPVM text, with device speedups and confidence triples')
    .action(async (modelPath: string, o) => {
      checkWritableFolder(o.out, '--out');
      if (o.hpvmOut) checkWritableFolder(o.hpvmOut, '--hpvm-out');
      // Everything that can be checked on the host is, before any device work.
      const data = prepareData({ model: modelPath, input: o.input, labels: o.labels, limit: o.limit, preprocessing: preprocessingFrom(o) });
      let set: ConfigurationSet;
      let adb: AdbServer;
      try {
        set = readSet(o.configs, modelPath, data);
        adb = AdbServer.locate({ adb: o.adb });
      } catch (e) {
        data.dispose();
        throw e;
      }
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      const progress = progressReporter();
      try {
        const recordsFile = o.records ?? `${o.out}.records.jsonl`;
        const r = await profileOnDevice({
          adb, serial: o.device, data, set, recordsFile, resume: o.resume,
          run: o.run, keepRemote: o.keepRemote, batch: o.batch, threads: o.threads, repeat: o.repeat,
        }, { onProgress: progress.update, signal: controller.signal });
        progress.stop();
        if (r.transfer.pushedBytes + r.transfer.cachedBytes > 0) process.stderr.write(`${describeTransfer(r.transfer)}\n`);
        const profiledLabels = readNpy(data.labelsPath!).data as Int32Array;
        const profiledOn: ProfiledData = {
          input: path.resolve(o.input), labels: path.resolve(o.labels), samples: data.samples,
          ...(o.limit !== undefined ? { limit: o.limit } : {}), labelsSha256: labelsSha256(profiledLabels),
        };
        r.set = { ...r.set, profiledOn };
        writeConfigurationSet(o.out, r.set);
        if (o.hpvmOut) writeFileAtomic(o.hpvmOut, toHpvm(r.set));
        const rows = r.set.configurations.map((c, i) => {
          const d = c.device!;
          const loss = d.qosLossInterval ? { estimate: d.qosLoss, low: d.qosLossInterval[0], high: d.qosLossInterval[1] } : undefined;
          return [
            c.name, d.timing ? formatInterval(d.timing.speedup, 3) : d.speedup.toFixed(3), d.accuracy.toFixed(2),
            loss ? formatInterval(loss) : d.qosLoss.toFixed(2),
            d.latencyMsPerSample === undefined ? '-' : d.latencyMsPerSample.toFixed(4),
            d.energyJoules === null || d.energyJoules === undefined ? '-' : (d.energyJoules * 1e3).toFixed(3),
            i === 0 ? '' : measurementNotes(d).join(', '),
          ];
        });
        const header = ['config', 'speedup [95 %]', 'accuracy', 'loss [95 %]', 'ms/sample', 'mJ/sample', 'note'];
        const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
        const line = (row: string[]) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
        const energy = r.records[0].energyJoules === null ? '; energy: no readable fuel gauge' : '';
        process.stdout.write([
          `${r.device.serial}${r.device.model ? ` (${r.device.model})` : ''}, ${r.device.abi}, ${data.samples} samples in batches of ${o.batch}` +
            `${r.resumed ? `; ${r.resumed} configuration(s) resumed from ${recordsFile}` : ''}${energy}`,
          timingSummary(r.set.configurations[0].device!.timing),
          line(header), ...rows.map(line), '',
          `wrote ${o.out}${o.hpvmOut ? ` and ${o.hpvmOut}` : ''}; records in ${recordsFile}`,
        ].join('\n') + '\n');
      } finally {
        progress.stop();
        process.removeListener('SIGINT', stop);
        data.dispose();
      }
    });
}

/** A Mobiprox JSON set (it starts with '{'), which must belong to this model, or HPVM text. */
function readSet(file: string, modelPath: string, data: PreparedData): ConfigurationSet {
  refuseFolder(file, 'configuration file (Mobiprox JSON or ApproxTuner/HPVM text)');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new MobiproxError(`Cannot read the configurations ${file}: ${(e as Error).message}`, { file });
  }
  if (!text.trimStart().startsWith('{')) {
    const configurations = parseHpvm(text, file).configurations;
    checkConfigurationsFit(configurations, data.model.layers, file, modelPath);
    return configurationSetFor(modelPath, data, configurations);
  }
  const set = readConfigurationSet(file);
  const sha = crypto.createHash('sha256').update(fs.readFileSync(modelPath)).digest('hex');
  if (set.model.sha256 && set.model.sha256 !== sha) {
    throw new MobiproxError(`${file} holds configurations of another model than ${modelPath} (sha256 differs).`, { file });
  }
  checkConfigurationsFit(set.configurations, data.model.layers, file, modelPath);
  return set;
}

/** A progress bar on a terminal; one line per configuration otherwise (logs, CI). */
function progressReporter(): { update(p: DeviceProfileProgress): void; stop(): void } {
  if (process.stderr.isTTY) {
    const bar = new SingleBar({ format: 'profiling [{bar}] {value}/{total} {message}', stream: process.stderr, hideCursor: true, clearOnComplete: true });
    let started = false;
    return {
      update(p) {
        if (!started) bar.start(p.total, p.completed, { message: p.message }), (started = true);
        bar.update(p.completed, { message: p.message.slice(0, 60) });
      },
      stop() {
        if (started) bar.stop(), (started = false);
      },
    };
  }
  return {
    update: (p) => void process.stderr.write(`[${p.completed}/${p.total}] ${p.message}\n`),
    stop() {},
  };
}
