import { Command } from 'commander';
import { Lang } from '../../core/codegen/literals';
import { generateEngine } from '../../core/usecases/generateEngine';
import { addStrategyOptions, strategyFrom } from '../strategyOptions';
import { checkOutputFolder, language } from '../options';

export function register(program: Command): void {
  addStrategyOptions(
    program
      .command('generate')
      .description('generate the adaptation engine, the runtime wrapper and a usage snippet for an app (Kotlin or Java)')
      .requiredOption('--configs <file>', 'profiled (and preferably calibrated) configuration set: Mobiprox JSON or ApproxTuner/HPVM text')
      .requiredOption('--package <name>', 'package of the generated classes, e.g. com.example.har')
      .requiredOption('--out <dir>', 'source root to write into (files are placed by package)')
      .option('--lang <lang>', 'kotlin or java', language, 'kotlin' as Lang)
      .option('--probabilities', 'the model ends in Softmax: its outputs are probabilities, not logits'),
  ).action((o) => {
    checkOutputFolder(o.out, '--out');
    const files = generateEngine({ configs: o.configs, strategy: strategyFrom(o), lang: o.lang, package: o.package, out: o.out, probabilities: !!o.probabilities });
    for (const f of files) process.stdout.write(`${f}\n`);
  });
}
