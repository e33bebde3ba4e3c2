import { Command } from 'commander';
import { SimulationResult, SimulationSummary } from '../../core/adapt';
import { AdaptableSet } from '../../core/adapt/profiledSet';
import { MobiproxError } from '../../core/errors';
import { simulateOnHost, simulateRecorded } from '../../core/usecases/simulateStrategy';
import { addPreprocessingOptions, preprocessingFrom, threadCount } from '../options';
import { describeStrategy } from '../../core/adapt/strategies';
import { addStrategyOptions, strategyFrom } from '../strategyOptions';

/** `--battery START[:END]`: the level at the first and last sample of each trace, linear in between. */
function batteryRange(value: string): [number, number] {
  const m = /^(\d+(?:\.\d+)?)(?::(\d+(?:\.\d+)?))?$/.exec(value);
  if (!m || Number(m[1]) > 100 || Number(m[2] ?? 0) > 100) throw new MobiproxError(`--battery '${value}' must be START[:END] in percent, e.g. 100:10.`);
  return [Number(m[1]), Number(m[2] ?? m[1])];
}

export function register(program: Command): void {
  addStrategyOptions(addPreprocessingOptions(
    program
      .command('simulate')
      .description('replay traces under an adaptation strategy: accuracy, loss and agreement against the exact model, relative cost, switches')
      .requiredOption('--profile <profiled.json>', 'profiled configuration set (tuned, then profiled on the host or a device)')
      .requiredOption('--labels <y.npy>', 'class index per sample, in trace order')
      .option('--input <x.npy>', "the trace's samples; with --model, every configuration runs on them (else the profile's recorded outcomes are the trace)")
      .option('--model <model.onnx>', 'the model the profile belongs to, to run the configurations on --input')
      .option('--trace-by <groups.npy>', 'one trace per group id (e.g. test_subject.npy), samples in file order'),
  ))
    .option('--battery <start[:end]>', 'rules: battery level over each trace, percent (default 100)', batteryRange)
    .option('--charging', 'rules: the device is charging')
    .option('--mode <name>', 'rules: the user mode', 'normal')
    .option('--threads <n>', 'runtime threads with --model (default 1)', threadCount, 1)
    .option('--json', 'print one JSON object')
    .action(async (o) => {
      if (o.model && !o.input) throw new MobiproxError('--model runs the configurations on --input <x.npy>: give both.');
      const spec = strategyFrom(o);
      const request = {
        profile: o.profile, labels: o.labels, traceBy: o.traceBy, strategy: spec, input: o.input,
        context: { battery: o.battery ?? [100, 100], charging: !!o.charging, mode: o.mode },
      };
      const r = o.model
        ? await simulateOnHost({ ...request, model: o.model, input: o.input, preprocessing: preprocessingFrom(o), threads: o.threads })
        : simulateRecorded(request);
      for (const n of r.notes) process.stderr.write(`mobiprox: note: ${n}\n`);
      for (const w of r.warnings) process.stderr.write(`mobiprox: warning: ${w}\n`);
      if (o.json) {
        const brief = (t: SimulationResult) => ({ ...t, counts: undefined, timeline: Array.from(t.timeline.index) });
        process.stdout.write(JSON.stringify({
          strategy: spec, configurations: r.set.configurations.map((c) => c.name), costs: r.costs, warnings: r.warnings,
          traces: r.results.map(brief), pooled: r.pooled, meanPerTrace: r.meanPerTrace,
        }) + '\n');
        return;
      }
      process.stdout.write(table(describeStrategy(spec), r.set, r.costs, r.results, r.pooled, r.meanPerTrace));
    });
}

function table(strategy: string, set: AdaptableSet, costs: number[], results: SimulationResult[], pooled: SimulationSummary, mean: SimulationSummary): string {
  const energy = pooled.relativeEnergy !== undefined;
  const head = ['trace', 'samples', 'accuracy %', 'loss', 'agreement %', 'rel. cost', ...(energy ? ['rel. energy'] : []), 'switches'];
  const row = (name: string, samples: number, s: SimulationSummary) => [
    name, String(samples), s.accuracy.toFixed(2), s.loss.toFixed(2), s.agreement.toFixed(2), s.relativeCost.toFixed(3),
    ...(energy ? [s.relativeEnergy?.toFixed(3) ?? '-'] : []), Number.isInteger(s.switches) ? String(s.switches) : s.switches.toFixed(1),
  ];
  const total = results.reduce((n, r) => n + r.counts.samples, 0);
  const rows = [head, ...results.map((r) => row(r.trace, r.counts.samples, r))];
  if (results.length > 1) rows.push(row('pooled', total, pooled), row('mean of traces', total, mean));
  const widths = head.map((_, j) => Math.max(...rows.map((r) => r[j].length)));
  const line = (r: string[]) => r.map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('  ');
  const ladder = set.configurations.map((c, k) => `${k}:${c.name} ${costs[k].toFixed(3)}`).join(', ');
  return [`strategy       ${strategy}`, `configurations ${ladder} (relative cost)`, '', ...rows.map(line),
    '', `time share per configuration (pooled): ${pooled.share.map((s, k) => `${k}:${(100 * s).toFixed(1)}%`).join(' ')}`].join('\n') + '\n';
}
