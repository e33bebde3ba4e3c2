import { Command } from 'commander';
import { compileModel } from '../../core/compile';
import { formatKnobIds } from '../../core/knobs/catalog';
import { LayerTimes, measureLayerTimes } from '../../core/runtime/layerTimes';
import { KnobSpeedups, familySpeedups, measureKnobSpeedups } from '../../core/tuner/knobSpeedups';
import { positiveInt, threadCount } from '../options';

export function register(program: Command): void {
  program
    .command('inspect <model>')
    .description('compile an ONNX model and list its approximation layers, FLOPs and applicable knobs')
    .option('--layer-times', "measure each layer's time on this machine (exact configuration, random inputs) beside its share of the FLOPs")
    .option('--knob-times', "measure each knob's speedup on each layer on this machine (random inputs, as the tuner's cost model) " +
      'and mark those the tuner does not offer there (under 2 % faster)')
    .option('--batch <b>', 'samples per inference of --layer-times and --knob-times', positiveInt, 8)
    .option('--threads <n>', 'runtime threads of --layer-times and --knob-times', threadCount, 1)
    .option('--json', 'print one JSON object')
    .action(async (modelPath: string, o: { json?: boolean; layerTimes?: boolean; knobTimes?: boolean; batch: number; threads: number }) => {
      const model = compileModel(modelPath);
      const times = o.layerTimes ? await measureLayerTimes(model, { batch: o.batch, threads: o.threads }) : undefined;
      const speedups = o.knobTimes ? await measureKnobSpeedups(model, { batch: o.batch, threads: o.threads }) : undefined;
      if (o.json) {
        const { mpxm, ...rest } = model;
        process.stdout.write(JSON.stringify({
          model: modelPath, ...rest, mpxmBytes: mpxm.length, ...(times ? { layerTimes: times } : {}), ...(speedups ? { knobSpeedups: speedups } : {}),
        }) + '\n');
        return;
      }
      const percent = (v: number) => `${(100 * v).toFixed(1)} %`;
      const rows = model.layers.map((l, i) => [
        String(l.index),
        l.name,
        l.slots.map((s) => s.op).join(' '),
        `[${l.outputShape.join(', ')}]`,
        l.flops.toLocaleString('en-US'),
        ...(times ? [times.layers[i].ms.toFixed(4), percent(times.layers[i].share), percent(times.layers[i].flopsShare), times.layers[i].disagrees ? '!' : ''] : []),
        formatKnobIds(l.knobs),
      ]);
      const header = ['#', 'layer', 'ops', 'output', 'FLOPs', ...(times ? ['ms', 'time', 'FLOPs', ''] : []), 'knobs'];
      const numeric = new Set(times ? [4, 5, 6, 7] : [4]);
      const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
      const line = (r: string[]) => r.map((cell, c) => (numeric.has(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd();
      const out = [
        `model   ${modelPath}`,
        `input   ${model.inputName} [N, ${model.inputShape.join(', ')}]`,
        `outputs ${model.outputNames.map((n, i) => `${n} [N, ${model.outputShapes[i].join(', ')}]`).join(', ')}${model.endsWithSoftmax ? ' (softmax)' : ''}`,
        '',
        line(header),
        ...rows.map(line),
        '',
        `${model.layers.length} layers, ${model.totalFlops.toLocaleString('en-US')} FLOPs per sample, .mpxm ${model.mpxm.length.toLocaleString('en-US')} bytes`,
        ...(times ? [timesSummary(times)] : []),
        ...(speedups ? ['', ...speedupLines(speedups, model.layers.map((l) => l.name))] : []),
      ];
      process.stdout.write(out.join('\n') + '\n');
    });
}

/** Per layer and knob family: the best measured speedup, and how many of the family's knobs the tuner offers there. */
function speedupLines(s: KnobSpeedups, names: string[]): string[] {
  const rows = s.layers.filter((l) => l.knobs.length > 0).map((l) => {
    const cells = familySpeedups(l).map((f) => `${f.name} ${f.best.toFixed(2)}x (${f.offered}/${f.total})`);
    return [String(l.layer), names[l.layer - 1], l.exactMs.toFixed(4), cells.join('  ')];
  });
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c].length)));
  const withheld = s.layers.reduce((n, l) => n + l.knobs.filter((k) => !k.offered).length, 0);
  const total = s.layers.reduce((n, l) => n + l.knobs.length, 0);
  return [
    `knob speedups on ${s.cpu} (${s.kernels} kernels, batch ${s.batch}, ${s.threads} thread(s), ${s.samples} random samples): ` +
      'per layer, its exact ms per batch, then per knob family the best speedup measured and (offered/taken): how many of ' +
      `the family's knobs the tuner searches there. ${withheld} of ${total} layer-knob pairs are withheld, under 2 % faster than exact.`,
    ...rows.map((r) => [r[0].padStart(widths[0]), r[1].padEnd(widths[1]), r[2].padStart(widths[2]), r[3]].join('  ')),
  ];
}

function timesSummary(t: LayerTimes): string {
  const flagged = t.layers.filter((l) => l.disagrees).length;
  return `ms: per sample on ${t.cpu} (${t.kernels} kernels, batch ${t.batch}, ${t.threads} thread(s), ${t.samples} random samples); ` +
    `the whole model ${t.totalMs.toFixed(4)} ms, ${t.otherMs.toFixed(4)} of it outside the layers. ` +
    `time and FLOPs: each layer's share. !: ${flagged} layer(s) whose shares differ more than twofold, where FLOPs mislead.`;
}
