import '@vscode-elements/elements/dist/vscode-table/index.js';
import '@vscode-elements/elements/dist/vscode-table-body/index.js';
import '@vscode-elements/elements/dist/vscode-table-cell/index.js';
import '@vscode-elements/elements/dist/vscode-table-header/index.js';
import '@vscode-elements/elements/dist/vscode-table-header-cell/index.js';
import '@vscode-elements/elements/dist/vscode-table-row/index.js';
import { ConfigurationDetail } from '../../../src/ui/protocol/pareto';
import { el } from '../dom';

/** The knob each layer of a configuration takes; approximated layers are marked. */
export function knobTable(detail: ConfigurationDetail): HTMLElement {
  const table = el('vscode-table', 'knobs');
  table.setAttribute('zebra', '');
  table.setAttribute('bordered-columns', '');
  table.setAttribute('columns', JSON.stringify(['14%', '42%', '44%']));
  const header = el('vscode-table-header');
  header.slot = 'header';
  header.append(...['Layer', 'Ops', 'Knob'].map((t) => el('vscode-table-header-cell', undefined, t)));
  const body = el('vscode-table-body');
  body.slot = 'body';
  for (const l of detail.layers) {
    const row = el('vscode-table-row', l.approximated ? 'approximated' : undefined);
    row.append(el('vscode-table-cell', undefined, String(l.layer)), el('vscode-table-cell', undefined, l.ops), el('vscode-table-cell', undefined, l.knob));
    body.append(row);
  }
  table.append(header, body);
  return table;
}
