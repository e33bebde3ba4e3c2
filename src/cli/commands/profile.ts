import { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { AdbServer } from '../../core/device/adbServer';
import { describeTransfer } from '../../core/device/deviceCache';
import { measurementNotes, timingSummary } from '../../core/stats/describe';
import { formatInterval } from '../../core/stats/intervals';
import { DeviceProfileProgress } from '../../core/device/profile';
import { profileSet } from '../../core/usecases/profileSet';
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
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      const progress = progressReporter();
      try {
        const recordsFile = o.records ?? `${o.out}.records.jsonl`;
        const r = await profileSet({
          model: modelPath, configs: o.configs, input: o.input, labels: o.labels, limit: o.limit, preprocessing: preprocessingFrom(o),
          adb: () => AdbServer.locate({ adb: o.adb }), serial: o.device, recordsFile, resume: o.resume, out: o.out, hpvmOut: o.hpvmOut,
          run: o.run, keepRemote: o.keepRemote, batch: o.batch, threads: o.threads, repeat: o.repeat,
        }, { onProgress: progress.update, signal: controller.signal });
        progress.stop();
        if (r.transfer.pushedBytes + r.transfer.cachedBytes > 0) process.stderr.write(`${describeTransfer(r.transfer)}\n`);
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
          `${r.device.serial}${r.device.model ? ` (${r.device.model})` : ''}, ${r.device.abi}, ${r.samples} samples in batches of ${o.batch}` +
            `${r.resumed ? `; ${r.resumed} configuration(s) resumed from ${recordsFile}` : ''}${energy}`,
          timingSummary(r.set.configurations[0].device!.timing),
          line(header), ...rows.map(line), '',
          `wrote ${o.out}${o.hpvmOut ? ` and ${o.hpvmOut}` : ''}; records in ${recordsFile}`,
        ].join('\n') + '\n');
      } finally {
        progress.stop();
        process.removeListener('SIGINT', stop);
      }
    });
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
