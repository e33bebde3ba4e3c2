import { Command } from 'commander';
import { Lang } from '../../core/codegen/literals';
import { bundleModel } from '../../core/usecases/bundleModel';
import { addStrategyOptions, strategyFrom } from '../strategyOptions';
import { checkOutputFolder, language } from '../options';

export function register(program: Command): void {
  addStrategyOptions(
    program
      .command('bundle <model>')
      .description('write an Android library module: runtime sources and JNI, generated engine and wrapper, the compiled model and its configurations')
      .requiredOption('--configs <file>', 'profiled (and preferably calibrated) configuration set of this model: Mobiprox JSON or ApproxTuner/HPVM text')
      .requiredOption('--out <dir>', 'the module folder to write (new, empty, or an earlier bundle)')
      .option('--package <name>', 'package of the generated classes', 'com.mobiprox.app')
      .option('--lang <lang>', 'kotlin or java', language, 'kotlin' as Lang),
  ).action(async (modelPath: string, o) => {
    checkOutputFolder(o.out, '--out');
    const r = await bundleModel({
      model: modelPath, configs: o.configs, strategy: strategyFrom(o), out: o.out, lang: o.lang, package: o.package,
      onProgress: (m) => process.stderr.write(`${m}\n`),
    });
    process.stdout.write(`bundle   ${r.out} (${r.files.length} files)\n`);
    process.stdout.write(r.prebuilt.length > 0 ? `jniLibs  ${r.prebuilt.join(', ')}\n` : `jniLibs  skipped: ${r.prebuiltSkipped}\n`);
  });
}
