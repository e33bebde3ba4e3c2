import '@vscode-elements/elements/dist/vscode-table/index.js';
import '@vscode-elements/elements/dist/vscode-table-body/index.js';
import '@vscode-elements/elements/dist/vscode-table-cell/index.js';
import '@vscode-elements/elements/dist/vscode-table-header/index.js';
import '@vscode-elements/elements/dist/vscode-table-header-cell/index.js';
import '@vscode-elements/elements/dist/vscode-table-row/index.js';
import { formatFlops, formatShape } from '../../../src/ui/format';
import { LayerRow, MeasuredFamily, MeasuredKnobs, MeasuredLayer, MeasuredTimes } from '../../../src/ui/protocol/modelOverview';
import { el } from '../dom';

interface Column { title: string; width: string; cell: (l: LayerRow, t?: MeasuredLayer) => string; hint?: (l: LayerRow, t?: MeasuredLayer) => string }

const percent = (v: number): string => `${(100 * v).toFixed(1)} %`;

const COLUMNS: Column[] = [
  { title: '#', width: '4%', cell: (l) => String(l.index) },
  { title: 'Name', width: '22%', cell: (l) => l.name },
  { title: 'Op', width: '10%', cell: (l) => l.op },
  { title: 'Output shape', width: '13%', cell: (l) => formatShape(l.outputShape) },
  { title: 'FLOPs', width: '12%', cell: (l) => formatFlops(l.flops) },
  { title: 'Knob ids', width: '39%', cell: (l) => l.knobSummary },
];

/** With measured times: ms per sample and the share of the time, flagged where it is far from the FLOPs'. */
const TIME_COLUMNS: Column[] = [
  { title: 'ms', width: '8%', cell: (_, t) => (t ? t.ms.toFixed(4) : '') },
  {
    title: 'Time share', width: '10%',
    cell: (_, t) => (t ? `${t.disagrees ? '⚠ ' : ''}${percent(t.share)}` : ''),
    hint: (_, t) => (t ? `${percent(t.share)} of the time, ${percent(t.flopsShare)} of the FLOPs` +
      (t.disagrees ? ': FLOPs mislead about this layer' : '') : ''),
  },
];

/** A knob family as measured on a layer: "samp 1.75× (9/9)", its best speedup and how many of its knobs the tuner offers. */
const familyText = (f: MeasuredFamily): string => `${f.name} ${f.best.toFixed(2)}× (${f.offered}/${f.total})`;

/** The layers table: index, node name, op, per-sample output shape, FLOPs, measured time when there is
 * one, and the knob ids the layer takes, or with measured knob speedups, those per family. */
export function layersTable(layers: LayerRow[], times?: MeasuredTimes, knobs?: MeasuredKnobs): HTMLElement {
  const families = new Map(knobs?.layers.map((l) => [l.layer, l.families]));
  const knobColumn: Column = knobs
    ? {
      title: 'Knob speedups (offered/taken)', width: COLUMNS[5].width,
      cell: (l) => (families.get(l.index) ?? []).map(familyText).join(' · ') || l.knobSummary,
      hint: (l) => (families.get(l.index) ?? []).map(familyText).join('\n') || l.knobSummary,
    }
    : COLUMNS[5];
  const columns = times ? [...COLUMNS.slice(0, 5), ...TIME_COLUMNS, { ...knobColumn, width: '21%' }] : [...COLUMNS.slice(0, 5), knobColumn];
  const measured = new Map(times?.layers.map((t) => [t.layer, t]));
  const table = el('vscode-table', 'layers');
  table.setAttribute('zebra', '');
  table.setAttribute('bordered-columns', '');
  table.setAttribute('resizable', '');
  table.setAttribute('columns', JSON.stringify(columns.map((c) => c.width)));
  const header = el('vscode-table-header');
  header.slot = 'header';
  header.append(...columns.map((c) => el('vscode-table-header-cell', undefined, c.title)));
  const body = el('vscode-table-body');
  body.slot = 'body';
  for (const layer of layers) {
    const row = el('vscode-table-row');
    row.dataset.layer = String(layer.index);
    const t = measured.get(layer.index);
    if (t?.disagrees) row.classList.add('disagrees');
    row.append(
      ...columns.map((c) => {
        const text = c.cell(layer, t);
        const cell = el('vscode-table-cell', undefined, text);
        cell.title = c.hint?.(layer, t) ?? text; // the whole text when the column is too narrow for it
        return cell;
      }),
    );
    body.append(row);
  }
  table.append(header, body);
  return table;
}
