import { Command } from 'commander';
import { compileModel } from '../../core/compile';
import { formatKnobIds } from '../../core/knobs/catalog';
import { LayerTimes, measureLayerTimes } from '../../core/runtime/layerTimes';
import { positiveInt, threadCount } from '../options';

export function register(program: Command): void {
  program
    .command('inspect <model>')
    .description('compile an ONNX model and list its approximation layers, FLOPs and applicable knobs')
    .option('--layer-times', "measure each layer's time on this machine (exact configuration, random inputs) beside its share of the FLOPs")
    .option('--batch <b>', 'samples per inference of --layer-times', positiveInt, 8)
    .option('--threads <n>', 'runtime threads of --layer-times', threadCount, 1)
    .option('--json', 'print one JSON object')
    .action(async (modelPath: string, o: { json?: boolean; layerTimes?: boolean; batch: number; threads: number }) => {
      const model = compileModel(modelPath);
      const times = o.layerTimes ? await measureLayerTimes(model, { batch: o.batch, threads: o.threads }) : undefined;
      if (o.json) {
        const { mpxm, ...rest } = model;
        process.stdout.write(JSON.stringify({ model: modelPath, ...rest, mpxmBytes: mpxm.length, ...(times ? { layerTimes: times } : {}) }) + '\n');
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
      ];
      process.stdout.write(out.join('\n') + '\n');
    });
}

function timesSummary(t: LayerTimes): string {
  const flagged = t.layers.filter((l) => l.disagrees).length;
  return `ms: per sample on ${t.cpu} (${t.kernels} kernels, batch ${t.batch}, ${t.threads} thread(s), ${t.samples} random samples); ` +
    `the whole model ${t.totalMs.toFixed(4)} ms, ${t.otherMs.toFixed(4)} of it outside the layers. ` +
    `time and FLOPs: each layer's share. !: ${flagged} layer(s) whose shares differ more than twofold, where FLOPs mislead.`;
}
