import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { CompiledModel } from '../../core/compile';
import { checkConfigurationsFit, readConfigurationSet, toHpvm } from '../../core/knobs/configurationSet';
import { MobiproxError } from '../../core/errors';
import { refuseFolder } from '../../core/fsutil';
import { runModel } from '../../core/runtime/mpxrun';
import { prepareData } from '../../core/runtime/prepare';
import { accuracyInterval, formatInterval } from '../../core/stats/intervals';
import { addDataOptions, commandData } from '../dataOptions';
import { checkWritableFolder, positiveInt, threadCount } from '../options';

export function register(program: Command): void {
  addDataOptions(
    program
      .command('run <model>')
      .description('run an ONNX model (exact or under an approximation configuration) on a .npy input set')
      .option('--limit <n>', 'use only the first n samples', positiveInt),
    'optional',
  )
    .option('--configs <file>', 'approximation configurations: Mobiprox JSON (from tune) or ApproxTuner/HPVM text')
    .option('--config <name|index>', 'the configuration to run (default: 0, exact)')
    .option('--threads <n>', 'runtime threads (default: all cores)', threadCount)
    .option('--batch <b>', 'samples per inference', positiveInt, 1)
    .option('--save-outputs <out.npy>', 'write the model outputs, [N, outputs]')
    .option('--json', 'print one JSON object')
    .action(async (modelPath: string, o) => {
      if (o.config !== undefined && !o.configs) throw new MobiproxError('--config needs --configs <file>.');
      if (o.saveOutputs) checkWritableFolder(o.saveOutputs, '--save-outputs');
      const source = commandData(modelPath, o, 'optional');
      const data = prepareData({
        model: modelPath, input: source.input, labels: source.labels, limit: o.limit, preprocessing: source.preprocessing,
      });
      try {
        const r = await runModel(data.mpxmPath, data.inputPath, {
          labels: data.labelsPath, configs: o.configs && hpvmConfigs(o.configs, data.workDir, data.model, modelPath), config: o.config, threads: o.threads, batch: o.batch,
          saveOutputs: o.saveOutputs, probabilities: data.model.endsWithSoftmax, timing: true,
        });
        const accuracy = r.correct === undefined ? undefined : accuracyInterval(r.correct, r.samples);
        if (o.json) {
          process.stdout.write(JSON.stringify({ model: modelPath, ...r, ...(accuracy ? { accuracyInterval: [accuracy.low, accuracy.high] } : {}) }) + '\n');
          return;
        }
        const lines = [
          `model        ${modelPath} (${data.model.layers.length} layers)`,
          `config       ${r.config} (index ${r.configIndex})`,
          `samples      ${r.samples} in batches of ${r.batch}, ${r.threads} thread(s)`,
        ];
        if (accuracy) lines.push(`accuracy     ${formatInterval(accuracy, 2, ' %')} (${r.correct}/${r.samples}, 95 % interval)`);
        const t = r.timing!;
        lines.push(
          `latency      ${formatInterval(t.latencyMsPerSample, 4, ' ms')} per sample (95 % interval; ${t.clock} clock, ` +
            `${t.rounds} rounds${t.converged ? '' : ', time cap reached before ±2 %'})`,
          `measured on  ${t.cpu}, ${t.kernels} kernels`,
        );
        if (o.saveOutputs) lines.push(`outputs      ${o.saveOutputs}`);
        process.stdout.write(lines.join('\n') + '\n');
      } finally {
        data.dispose();
      }
    });
}

/** The runtime reads HPVM text: a Mobiprox JSON set (it starts with '{') is converted into the work folder. */
function hpvmConfigs(file: string, workDir: string, model: CompiledModel, modelPath: string): string {
  refuseFolder(file, 'configuration file (Mobiprox JSON or ApproxTuner/HPVM text)');
  let head = '';
  try {
    head = fs.readFileSync(file, 'utf8').trimStart().slice(0, 1);
  } catch {
    return file; // the runtime names the unreadable file
  }
  if (head !== '{') return file;
  // Checked here, so that a mistake names the user's file rather than the converted text.
  const set = readConfigurationSet(file);
  checkConfigurationsFit(set.configurations, model.layers, file, modelPath);
  const converted = path.join(workDir, 'configs.txt');
  fs.writeFileSync(converted, toHpvm(set));
  return converted;
}
