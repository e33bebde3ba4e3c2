import { Command, InvalidArgumentError } from 'commander';
import { addComposedConfiguration } from '../../core/tuner/composedConfiguration';
import { addDataOptions, commandData } from '../dataOptions';
import { checkWritableFolder, nonNegativeInt, positiveInt, threadCount } from '../options';

/** `--knob 3=121`: layer 3's main op takes knob 121. */
function knobOption(value: string, previous: Map<number, number> = new Map()): Map<number, number> {
  const m = /^(\d+)=(\d+)$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`'${value}' is not LAYER=KNOB, as in 3=121 (layer 3 takes knob 121).`);
  return new Map([...previous, [Number(m[1]), Number(m[2])]]);
}

export function register(program: Command): void {
  addDataOptions(
    program
      .command('compose <model>')
      .description('a configuration composed by hand, measured on the host beside the exact one and added to a set (as the Model view\'s Measure Composed Configuration)')
      .requiredOption('--knob <layer=knob>', 'the knob of a layer\'s main op; repeat for more layers (the others stay exact)', knobOption)
      .requiredOption('--configs <configs.json>', 'the set to add it to: a tuned set of the model, or a new file'),
    'required',
  )
    .option('--tune-size <n>', 'measured on the first n rows, as the tuning (default: all)', positiveInt)
    .option('--test-size <m>', 'held-out test samples: the m rows after them (default: the rest)', positiveInt)
    .option('--shuffle <seed>', 'the tuning\'s seeded row order', nonNegativeInt)
    .option('--threads <n>', 'runtime threads per process', threadCount, 1)
    .action(async (modelPath: string, o) => {
      checkWritableFolder(o.configs, '--configs');
      const data = commandData(modelPath, o, 'required');
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      try {
        const r = await addComposedConfiguration({
          model: modelPath, knobs: o.knob, data: { input: data.input, labels: data.labels!, preprocessing: data.preprocessing }, setFile: o.configs,
          tuneSize: o.tuneSize, testSize: o.testSize, shuffleSeed: o.shuffle, threads: o.threads,
        }, { signal: controller.signal });
        const c = r.set.configurations.find((x) => x.name === r.name)!;
        process.stdout.write(r.added
          ? `${c.name} added to ${o.configs}: speedup ${c.speedup.toFixed(3)}, accuracy ${c.accuracy.toFixed(2)} %, loss ${c.qosLoss.toFixed(2)} points (host)\n`
          : `already in ${o.configs} as ${c.name}: nothing measured\n`);
      } finally {
        process.removeListener('SIGINT', stop);
      }
    });
}
