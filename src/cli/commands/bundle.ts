import * as crypto from 'node:crypto';
import * as path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { AdaptableSet } from '../../core/adapt/profiledSet';
import { writeBundle } from '../../core/codegen/bundle';
import { Lang } from '../../core/codegen/literals';
import { compileModel } from '../../core/compile';
import { MobiproxError } from '../../core/errors';
import { readModelFile } from '../../core/onnx/load';
import { checkConfigurationsFit, readConfigurations } from '../../core/knobs/configurationSet';
import { describeStrategy } from '../../core/adapt/strategies';
import { addStrategyOptions, strategyFrom } from '../strategyOptions';
import { checkOutputFolder } from '../options';

function lang(value: string): Lang {
  if (value !== 'kotlin' && value !== 'java') throw new InvalidArgumentError(`'${value}' is not a language: use kotlin or java.`);
  return value;
}

export function register(program: Command): void {
  addStrategyOptions(
    program
      .command('bundle <model>')
      .description('write an Android library module: runtime sources and JNI, generated engine and wrapper, the compiled model and its configurations')
      .requiredOption('--configs <file>', 'profiled (and preferably calibrated) configuration set of this model: Mobiprox JSON or ApproxTuner/HPVM text')
      .requiredOption('--out <dir>', 'the module folder to write (new, empty, or an earlier bundle)')
      .option('--package <name>', 'package of the generated classes', 'com.mobiprox.app')
      .option('--lang <lang>', 'kotlin or java', lang, 'kotlin' as Lang),
  ).action(async (modelPath: string, o) => {
    checkOutputFolder(o.out, '--out');
    const set = readConfigurations(o.configs) as AdaptableSet;
    const sha = crypto.createHash('sha256').update(readModelFile(modelPath)).digest('hex');
    if (set.model.sha256 && set.model.sha256 !== sha) {
      throw new MobiproxError(`${o.configs} was profiled for another model than ${modelPath} (sha256 differs); profile this model's configurations.`, { file: o.configs });
    }
    const spec = strategyFrom(o);
    const model = compileModel(modelPath, { name: path.basename(modelPath, path.extname(modelPath)) });
    checkConfigurationsFit(set.configurations, model.layers, o.configs, modelPath);
    const r = await writeBundle(model, set, spec, o.out, {
      lang: o.lang, package: o.package, strategyText: describeStrategy(spec), source: path.basename(o.configs),
      onProgress: (m) => process.stderr.write(`${m}\n`),
    });
    process.stdout.write(`bundle   ${r.out} (${r.files.length} files)\n`);
    process.stdout.write(r.prebuilt.length > 0 ? `jniLibs  ${r.prebuilt.join(', ')}\n` : `jniLibs  skipped: ${r.prebuiltSkipped}\n`);
  });
}
