import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import {
  aggregate, createStrategy, DeviceContext, SimulationResult, SimulationSummary, simulate, splitTrace, Trace,
} from '../../core/adapt';
import { configurationOutputs, classCount } from '../../core/adapt/hostProfile';
import { AdaptableSet, labelsOfProfile, strategyConfigurations, traceFromOutputs, traceFromRecords } from '../../core/adapt/profiledSet';
import { readNpy } from '../../core/data/npy';
import { Preprocessing } from '../../core/data/preprocess';
import { toNumbers } from '../../core/data/ndarray';
import { MobiproxError } from '../../core/errors';
import { checkConfigurationsFit, readConfigurationSet, toHpvm } from '../../core/knobs/configurationSet';
import { prepareData } from '../../core/runtime/prepare';
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
      const set = readConfigurationSet(o.profile) as AdaptableSet;
      const spec = strategyFrom(o);
      const labels = readLabels(o.labels);
      let whole: Trace;
      if (o.model) {
        if (!o.input) throw new MobiproxError('--model runs the configurations on --input <x.npy>: give both.');
        whole = await traceOnHost(set, o, labels);
      } else {
        if (o.input) checkRows(o.input, labels.length);
        const profiled = labelsOfProfile(set, labels, o.labels);
        if (profiled.note) process.stderr.write(`mobiprox: note: ${profiled.note}\n`);
        whole = traceFromRecords(set, profiled.labels, path.basename(o.labels, '.npy'));
      }
      const groups = o.traceBy ? Array.from(readNpy(o.traceBy).data as ArrayLike<number>).slice(0, whole.labels.length) : undefined;
      const traces = groups ? splitTrace(whole, groups) : [whole];
      const [start, end] = o.battery ?? [100, 100];
      const configs = strategyConfigurations(set);
      const strategies = traces.map(() => createStrategy(spec, configs));
      const warning = strategies[0]?.warning;
      const warnings = warning === undefined ? [] : [warning];
      for (const w of warnings) process.stderr.write(`mobiprox: warning: ${w}\n`);
      const results = traces.map((t, n) => {
        const context: DeviceContext[] = Array.from(t.labels, (_, i) => ({
          battery: t.labels.length > 1 ? start + ((end - start) * i) / (t.labels.length - 1) : start, charging: !!o.charging, mode: o.mode,
        }));
        return simulate({ ...t, context }, strategies[n]);
      });
      const { pooled, meanPerTrace } = aggregate(results);
      if (o.json) {
        const brief = (r: SimulationResult) => ({ ...r, counts: undefined, timeline: Array.from(r.timeline.index) });
        process.stdout.write(JSON.stringify({ strategy: spec, configurations: set.configurations.map((c) => c.name), costs: configs.costs, warnings, traces: results.map(brief), pooled, meanPerTrace }) + '\n');
        return;
      }
      process.stdout.write(table(describeStrategy(spec), set, configs.costs!, results, pooled, meanPerTrace));
    });
}

function readLabels(file: string): number[] {
  const y = readNpy(file);
  if (y.dtype === 'float32' || y.dtype === 'float64' || y.shape.length !== 1) {
    throw new MobiproxError(`${file} must hold one integer class index per sample, shape [N].`, { file });
  }
  return Array.from(toNumbers(y));
}

function checkRows(file: string, n: number): void {
  const rows = readNpy(file).shape[0];
  if (rows !== n) throw new MobiproxError(`${file} has ${rows} samples but the labels ${n}.`, { file });
}

async function traceOnHost(set: AdaptableSet, o: { profile: string; model: string; input: string; labels: string; threads: number } & Preprocessing, labels: number[]): Promise<Trace> {
  const data = prepareData({ model: o.model, input: o.input, preprocessing: preprocessingFrom(o) });
  try {
    if (data.samples !== labels.length) throw new MobiproxError(`${o.input} has ${data.samples} samples but ${o.labels} ${labels.length} labels.`, { file: o.labels });
    checkConfigurationsFit(set.configurations, data.model.layers, o.profile, o.model);
    const configsPath = path.join(data.workDir, 'configurations.txt');
    fs.writeFileSync(configsPath, toHpvm(set));
    const logits = await configurationOutputs(data, configsPath, set.configurations.length, { threads: o.threads });
    return traceFromOutputs(set, logits, labels, classCount(data), path.basename(o.input, '.npy'));
  } finally {
    data.dispose();
  }
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
