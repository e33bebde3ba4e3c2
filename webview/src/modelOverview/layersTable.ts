import '@vscode-elements/elements/dist/vscode-table/index.js';
import '@vscode-elements/elements/dist/vscode-table-body/index.js';
import '@vscode-elements/elements/dist/vscode-table-cell/index.js';
import '@vscode-elements/elements/dist/vscode-table-header/index.js';
import '@vscode-elements/elements/dist/vscode-table-header-cell/index.js';
import '@vscode-elements/elements/dist/vscode-table-row/index.js';
import { formatFlops, formatShape } from '../../../src/ui/format';
import { LayerRow } from '../../../src/ui/protocol/modelOverview';
import { el } from '../dom';

const COLUMNS: { title: string; width: string; cell: (l: LayerRow) => string }[] = [
  { title: '#', width: '4%', cell: (l) => String(l.index) },
  { title: 'Name', width: '22%', cell: (l) => l.name },
  { title: 'Op', width: '10%', cell: (l) => l.op },
  { title: 'Output shape', width: '13%', cell: (l) => formatShape(l.outputShape) },
  { title: 'FLOPs', width: '12%', cell: (l) => formatFlops(l.flops) },
  { title: 'Knob ids', width: '39%', cell: (l) => l.knobSummary },
];

/** The layers table: index, node name, op, per-sample output shape, FLOPs and the knob ids the layer takes. */
export function layersTable(layers: LayerRow[]): HTMLElement {
  const table = el('vscode-table', 'layers');
  table.setAttribute('zebra', '');
  table.setAttribute('bordered-columns', '');
  table.setAttribute('resizable', '');
  table.setAttribute('columns', JSON.stringify(COLUMNS.map((c) => c.width)));
  const header = el('vscode-table-header');
  header.slot = 'header';
  header.append(...COLUMNS.map((c) => el('vscode-table-header-cell', undefined, c.title)));
  const body = el('vscode-table-body');
  body.slot = 'body';
  for (const layer of layers) {
    const row = el('vscode-table-row');
    row.dataset.layer = String(layer.index);
    row.append(
      ...COLUMNS.map((c) => {
        const text = c.cell(layer);
        const cell = el('vscode-table-cell', undefined, text);
        cell.title = text; // the whole text when the column is too narrow for it
        return cell;
      }),
    );
    body.append(row);
  }
  table.append(header, body);
  return table;
}
