import '@vscode-elements/elements/dist/vscode-table/index.js';
import '@vscode-elements/elements/dist/vscode-table-body/index.js';
import '@vscode-elements/elements/dist/vscode-table-cell/index.js';
import '@vscode-elements/elements/dist/vscode-table-header/index.js';
import '@vscode-elements/elements/dist/vscode-table-header-cell/index.js';
import '@vscode-elements/elements/dist/vscode-table-row/index.js';
import { ComparisonView } from '../../../src/ui/protocol/pareto';
import { el } from '../dom';

/** `wrap`: the columns whose words may wrap, so that the narrow number columns keep their digits. */
function table(id: string, widths: string[], header: string[], rows: { cells: string[]; className?: string }[], wrap: number[] = []): HTMLElement {
  const t = el('vscode-table', 'comparison-table');
  t.id = id;
  t.setAttribute('zebra', '');
  t.setAttribute('bordered-columns', '');
  t.setAttribute('columns', JSON.stringify(widths));
  const head = el('vscode-table-header');
  head.slot = 'header';
  head.append(...header.map((h) => el('vscode-table-header-cell', undefined, h)));
  const body = el('vscode-table-body');
  body.slot = 'body';
  for (const r of rows) {
    const row = el('vscode-table-row', r.className);
    row.append(...r.cells.map((c, i) => el('vscode-table-cell', wrap.includes(i) ? 'wrap' : undefined, c)));
    body.append(row);
  }
  t.append(head, body);
  return t;
}

/**
 * Two configurations side by side: per layer each one's knob and measured ms (layers whose knobs differ
 * marked), then per class each one's accuracy and the difference (classes that lose more than 5 points marked).
 */
export function comparisonTables(c: ComparisonView): HTMLElement[] {
  const [a, b] = c.names;
  return [
    el('h2', undefined, `${a} and ${b} side by side`),
    el('p', 'hint', `Measured now on the host over ${c.samples} samples: accuracy ${c.accuracy[0].toFixed(2)} % and ` +
      `${c.accuracy[1].toFixed(2)} %, ${c.totalMs[0].toFixed(4)} and ${c.totalMs[1].toFixed(4)} ms per sample.`),
    table('comparison-layers', ['7%', '17%', '24%', '14%', '24%', '14%'], ['#', 'Ops', `${a} knob`, 'ms', `${b} knob`, 'ms'],
      c.layers.map((l) => ({
        cells: [String(l.layer), l.ops, l.knobs[0], l.ms[0].toFixed(4), l.knobs[1], l.ms[1].toFixed(4)],
        className: l.knobs[0] !== l.knobs[1] ? 'approximated' : undefined,
      })), [1, 2, 4]),
    table('comparison-classes', ['16%', '16%', '22%', '22%', '24%'], ['Class', 'Samples', `${a} %`, `${b} %`, 'Difference'],
      c.classes.map((k) => {
        const difference = k.accuracy[1] - k.accuracy[0];
        return {
          cells: [String(k.label), String(k.samples), k.accuracy[0].toFixed(1), k.accuracy[1].toFixed(1), `${difference > 0 ? '+' : ''}${difference.toFixed(1)}`],
          className: Math.abs(difference) > 5 ? 'approximated' : undefined,
        };
      })),
  ];
}
