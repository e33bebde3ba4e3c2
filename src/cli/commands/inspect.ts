import { Command } from 'commander';
import { compileModel } from '../../core/compile';
import { formatKnobIds } from '../../core/knobs/catalog';

export function register(program: Command): void {
  program
    .command('inspect <model>')
    .description('compile an ONNX model and list its approximation layers, FLOPs and applicable knobs')
    .option('--json', 'print one JSON object')
    .action((modelPath: string, o: { json?: boolean }) => {
      const model = compileModel(modelPath);
      if (o.json) {
        const { mpxm, ...rest } = model;
        process.stdout.write(JSON.stringify({ model: modelPath, ...rest, mpxmBytes: mpxm.length }) + '\n');
        return;
      }
      const rows = model.layers.map((l) => [
        String(l.index),
        l.name,
        l.slots.map((s) => s.op).join(' '),
        `[${l.outputShape.join(', ')}]`,
        l.flops.toLocaleString('en-US'),
        formatKnobIds(l.knobs),
      ]);
      const header = ['#', 'layer', 'ops', 'output', 'FLOPs', 'knobs'];
      const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
      const line = (r: string[]) => r.map((cell, c) => (c === 4 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd();
      const out = [
        `model   ${modelPath}`,
        `input   ${model.inputName} [N, ${model.inputShape.join(', ')}]`,
        `outputs ${model.outputNames.map((n, i) => `${n} [N, ${model.outputShapes[i].join(', ')}]`).join(', ')}${model.endsWithSoftmax ? ' (softmax)' : ''}`,
        '',
        line(header),
        ...rows.map(line),
        '',
        `${model.layers.length} layers, ${model.totalFlops.toLocaleString('en-US')} FLOPs per sample, .mpxm ${model.mpxm.length.toLocaleString('en-US')} bytes`,
      ];
      process.stdout.write(out.join('\n') + '\n');
    });
}
