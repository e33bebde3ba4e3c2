import * as path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { AdaptableSet } from '../../core/adapt/profiledSet';
import { generateSources, writeSources } from '../../core/codegen/generate';
import { Lang } from '../../core/codegen/literals';
import { readConfigurations } from '../../core/knobs/configurationSet';
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
      .command('generate')
      .description('generate the adaptation engine, the runtime wrapper and a usage snippet for an app (Kotlin or Java)')
      .requiredOption('--configs <file>', 'profiled (and preferably calibrated) configuration set: Mobiprox JSON or ApproxTuner/HPVM text')
      .requiredOption('--package <name>', 'package of the generated classes, e.g. com.example.har')
      .requiredOption('--out <dir>', 'source root to write into (files are placed by package)')
      .option('--lang <lang>', 'kotlin or java', lang, 'kotlin' as Lang)
      .option('--probabilities', 'the model ends in Softmax: its outputs are probabilities, not logits'),
  ).action((o) => {
    checkOutputFolder(o.out, '--out');
    const set = readConfigurations(o.configs) as AdaptableSet;
    const spec = strategyFrom(o);
    const files = generateSources(set, spec, { lang: o.lang, package: o.package, source: path.basename(o.configs), strategyText: describeStrategy(spec), probabilities: !!o.probabilities,
    });
    for (const f of writeSources(o.out, files)) process.stdout.write(`${f}\n`);
  });
}
