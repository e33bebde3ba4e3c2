import { Command } from 'commander';
import { Comparison, compareConfigurations } from '../../core/runtime/compareConfigurations';
import { readSetOfModel } from '../../core/usecases/setOfModel';
import { addDataOptions, commandData } from '../dataOptions';
import { positiveInt, threadCount } from '../options';

export function register(program: Command): void {
  addDataOptions(
    program
      .command('compare <model> <a> <b>')
      .description('two configurations of a set side by side on the host: knob and measured time per layer, accuracy per class')
      .requiredOption('--configs <file>', 'the configuration set of this model: Mobiprox JSON (tune --out, profile --out) or ApproxTuner/HPVM text')
      .option('--limit <n>', 'use only the first n samples', positiveInt),
    'required',
  )
    .option('--batch <b>', 'samples per inference', positiveInt, 8)
    .option('--threads <n>', 'runtime threads', threadCount, 1)
    .option('--json', 'print one JSON object')
    .action(async (modelPath: string, a: string, b: string, o) => {
      const data = commandData(modelPath, o, 'required');
      const set = readSetOfModel(o.configs, modelPath);
      const c = await compareConfigurations(modelPath, set, [a, b], { input: data.input, labels: data.labels!, preprocessing: data.preprocessing }, {
        limit: o.limit, batch: o.batch, threads: o.threads, setFile: o.configs,
      });
      process.stdout.write(o.json ? JSON.stringify(c) + '\n' : comparisonText(c));
    });
}

/** The comparison as two aligned tables: layers, then classes. */
function comparisonText(c: Comparison): string {
  const [a, b] = c.names;
  const table = (header: string[], rows: string[][]): string[] => {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    return [header, ...rows].map((r) => r.map((cell, i) => (i === 0 || i === 1 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ').trimEnd());
  };
  const changed = (l: Comparison['layers'][number]) => (l.knobs[0] !== l.knobs[1] ? '*' : '');
  return [
    `${a} against ${b} on ${c.samples} samples: accuracy ${c.accuracy[0].toFixed(2)} % and ${c.accuracy[1].toFixed(2)} %, ` +
      `${c.totalMs[0].toFixed(4)} and ${c.totalMs[1].toFixed(4)} ms per sample`,
    '',
    ...table(['#', 'ops', `${a} knob`, 'ms', `${b} knob`, 'ms', ''],
      c.layers.map((l) => [String(l.layer), l.ops, l.knobs[0], l.ms[0].toFixed(4), l.knobs[1], l.ms[1].toFixed(4), changed(l)])),
    '',
    ...table(['class', 'samples', `${a} %`, `${b} %`, 'difference'],
      c.classes.map((k) => [String(k.label), String(k.samples), k.accuracy[0].toFixed(1), k.accuracy[1].toFixed(1), (k.accuracy[1] - k.accuracy[0]).toFixed(1)])),
    '',
  ].join('\n');
}
