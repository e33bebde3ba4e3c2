import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import { formatFlops, formatShape } from '../../../src/ui/format';
import {
  GraphNodeView,
  HostMessage,
  ImportFailure,
  LayerRow,
  ModelOverview,
  ModelOverviewState,
  WebviewMessage,
} from '../../../src/ui/protocol/modelOverview';
import { el } from '../dom';
import { onThemeChange } from '../theme';
import { vscodeApi } from '../vscodeApi';
import { dataSectionElement } from './dataSection';
import { drawFlopsChart } from './flopsChart';
import { drawGraph } from './graphView';
import { layersTable } from './layersTable';

const vscode = vscodeApi<ModelOverviewState, WebviewMessage>();
const app = document.getElementById('app')!;
let state: ModelOverviewState = vscode.getState() ?? { logScale: false };
let repaintChart = (): void => {};
onThemeChange(() => repaintChart());

function render(message: HostMessage): void {
  repaintChart = () => {};
  if (message.type === 'overview') app.replaceChildren(overviewPage(message.overview));
  else if (message.type === 'importFailed') app.replaceChildren(failurePage(message.failure));
  app.setAttribute('aria-busy', 'false');
}

function overviewPage(model: ModelOverview): HTMLElement {
  const chart = el('div', 'chart');
  chart.id = 'flops-chart';
  const logScale = el('vscode-checkbox');
  logScale.label = 'Logarithmic scale';
  logScale.checked = state.logScale;
  const draw = (): void => drawFlopsChart(chart, model.layers, state.logScale, state.times);
  logScale.addEventListener('change', () => {
    state = { ...state, logScale: logScale.checked };
    vscode.setState(state);
    draw();
  });
  repaintChart = draw;
  // Plotly measures its container: draw once the page is in the document.
  requestAnimationFrame(draw);

  const outputs = model.outputNames.map((n, i) => `${n} ${formatShape(model.outputShapes[i])}`).join(', ');
  const table = layersTable(model.layers, state.times, state.knobs);
  return el(
    'article',
    'overview',
    el('header', undefined, el('h1', undefined, model.name), el('span', 'file', model.file)),
    el(
      'dl',
      'summary',
      ...term('Input', `${model.inputName} ${formatShape(model.inputShape)} per sample`),
      ...term('Outputs', outputs + (model.endsWithSoftmax ? ' (ends with Softmax)' : '')),
      ...term('Layers', String(model.layers.length)),
      ...term('FLOPs', `${formatFlops(model.totalFlops)} per sample`),
    ),
    dataSectionElement(state.data, () => vscode.postMessage({ type: 'editData' })),
    el('section', undefined, el('div', 'section-title', el('h2', undefined, state.times ? 'FLOPs and measured time per layer' : 'FLOPs per layer'), logScale), chart),
    graphSection(model, table),
    el('section', undefined, el('div', 'section-title', el('h2', undefined, 'Layers'), el('div', 'buttons', measureButton(), knobsButton())),
      timesStatus(), knobsStatus(), table),
  );
}

/**
 * The graph beside the details of the node selected in it; selecting a node marks its layer's row in the
 * table, and clicking a row selects the layer's node in the graph. The selection survives reloads.
 */
function graphSection(model: ModelOverview, table: HTMLElement): HTMLElement {
  const layers = new Map(model.layers.map((l) => [l.index, l]));
  const approximable = (layer: number): boolean => (layers.get(layer)?.knobs ?? []).some((k) => k !== 11 && k !== 12);
  const details = el('aside', 'node-details');
  const select = (node: number | undefined, byUser = true): void => {
    const layer = node === undefined ? undefined : model.graph.nodes[node].layer;
    if (byUser && layer !== undefined) vscode.postMessage({ type: 'selectLayer', layer });
    state = { ...state, selectedNode: node };
    vscode.setState(state);
    drawing.select(node);
    const n = node === undefined ? undefined : model.graph.nodes[node];
    details.replaceChildren(...(n ? nodeDetails(n, n.layer !== undefined ? layers.get(n.layer) : undefined) : [el('p', 'hint', 'Click a node for its attributes, shapes, FLOPs and knobs.')]));
    table.querySelectorAll('vscode-table-row').forEach((row) => row.classList.toggle('selected', n?.layer !== undefined && (row as HTMLElement).dataset.layer === String(n.layer)));
  };
  const drawing = drawGraph(model.graph.nodes, model.graph.edges, approximable, select);
  table.addEventListener('click', (event) => {
    const row = (event.target as HTMLElement).closest('vscode-table-row') as HTMLElement | null;
    const layer = Number(row?.dataset.layer);
    const node = model.graph.nodes.findIndex((n) => n.layer === layer);
    if (node >= 0) select(node);
  });
  const canvas = el('div', 'graph-canvas', drawing.element);
  requestAnimationFrame(() => select(state.selectedNode !== undefined && state.selectedNode < model.graph.nodes.length ? state.selectedNode : undefined, false));
  return el('section', undefined, el('h2', undefined, 'Graph'), el('div', 'graph-view', canvas, details));
}

/** A node's type, name, shapes, attributes, and its layer's FLOPs, knobs and measured time. */
function nodeDetails(n: GraphNodeView, layer: LayerRow | undefined): HTMLElement[] {
  const measured = layer && state.times?.layers.find((t) => t.layer === layer.index);
  const rows: [string, string][] = [
    ['Name', n.name],
    ['Output', `${formatShape(n.outputShape)} per sample`],
    ...(n.fused.length ? [['Fused', n.fused.join(', ')] as [string, string]] : []),
    ...Object.entries(n.attrs),
    ...(layer ? [['Layer', `${layer.index} (${layer.op})`], ['FLOPs', formatFlops(layer.flops)], ['Knob ids', layer.knobSummary]] as [string, string][] : [['Layer', 'none: data movement, no knob']] as [string, string][]),
    ...(measured ? [['Measured', `${measured.ms.toFixed(4)} ms per sample, ${(100 * measured.share).toFixed(1)} % of the time`] as [string, string]] : []),
  ];
  return [el('h3', undefined, nodeTitle(n)), el('dl', 'summary', ...rows.flatMap(([k, v]) => term(k, v)))];
}

const nodeTitle = (n: GraphNodeView): string => [n.op, ...(n.attrs.activation ? [n.attrs.activation] : [])].join(' + ');

/** Asks the host to time each layer; the page redraws when the times arrive. */
const measureButton = (): HTMLElement => requestButton(
  'measure', state.times ? 'Measure Again' : 'Measure Layer Times',
  'Time each layer of the exact model with the host runtime, on random inputs of the model\'s shape', { type: 'measureLayerTimes' });

/** Asks the host to measure every knob on every layer; the table shows them per family when they arrive. */
const knobsButton = (): HTMLElement => requestButton(
  'measure-knobs', state.knobs ? 'Measure Knobs Again' : 'Measure Knob Speedups',
  'Time every knob on every layer with the host runtime, as the tuner\'s cost model does, on random inputs', { type: 'measureKnobSpeedups' },
  true);

/** A button that sends the host a request once and says it is measuring until the answer redraws the page. */
function requestButton(className: string, label: string, title: string, request: WebviewMessage, secondary = false): HTMLElement {
  const button = el('vscode-button', className, label);
  if (secondary) button.setAttribute('secondary', '');
  button.title = title;
  button.addEventListener('click', () => {
    button.setAttribute('disabled', '');
    button.textContent = 'Measuring…';
    vscode.postMessage(request);
  });
  return button;
}

/** What the knob speedups were measured on, and what the counts mean. */
function knobsStatus(): HTMLElement {
  const k = state.knobs;
  const status = el('p', 'knobs-status');
  if (!k) return status;
  const withheld = k.layers.reduce((n, l) => n + l.families.reduce((m, f) => m + f.total - f.offered, 0), 0);
  status.textContent =
    `Knobs measured on ${k.cpu} (${k.kernels} kernels, batch ${k.batch}): per layer and family, the best speedup and ` +
    `(offered/taken) how many of the family's knobs the tuner searches there. ${withheld} layer-knob pair${withheld === 1 ? ' is' : 's are'} ` +
    'withheld: under 2 % faster than exact on their layer.';
  return status;
}

/** What the times were measured on, and what the flags mean. */
function timesStatus(): HTMLElement {
  const t = state.times;
  const status = el('p', 'times-status');
  if (!t) return status;
  const flagged = t.layers.filter((l) => l.disagrees).length;
  status.textContent =
    `Measured on ${t.cpu} (${t.kernels} kernels, batch ${t.batch}, ${t.threads} thread${t.threads > 1 ? 's' : ''}): ` +
    `${t.totalMs.toFixed(3)} ms per sample. ` +
    (flagged ? `⚠ marks ${flagged} layer${flagged > 1 ? 's' : ''} whose share of the time and of the FLOPs differ more than twofold: ` +
      'there FLOPs mislead, and the tuner relies on measured speedups.' : 'Every layer takes about its share of the FLOPs in time.');
  return status;
}

function term(name: string, value: string): HTMLElement[] {
  return [el('dt', undefined, name), el('dd', undefined, value)];
}

function failurePage(failure: ImportFailure): HTMLElement {
  return el(
    'article',
    'failure',
    el(
      'div',
      'error',
      el('h1', undefined, 'Mobiprox cannot show this model'),
      el('p', undefined, failure.message),
      ...(failure.node ? [el('p', 'node', `Node: ${failure.node}`)] : []),
      el('p', 'file', failure.file),
    ),
    el(
      'p',
      'hint',
      'Mobiprox opens ONNX models (opset 7 to 21) with one input. To see the file as it is, use ' +
        '"Reopen Editor With…" and pick the Text Editor.',
    ),
  );
}

if (state.last) render(state.last);
window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  const message = event.data;
  if (message.type === 'layerTimes') state = { ...state, times: message.times };
  else if (message.type === 'knobSpeedups') state = { ...state, knobs: message.knobs };
  else if (message.type === 'data') state = { ...state, data: message.data };
  else if (message.type === 'layerTimesFailed') state = { ...state, times: undefined };
  else if (message.type === 'knobSpeedupsFailed') state = { ...state, knobs: undefined };
  // a model of its own (the file changed, or another file in this editor): earlier measurements no longer apply
  else {
    const same = sameModel(state.last, message);
    state = { ...state, last: message, times: same ? state.times : undefined, knobs: same ? state.knobs : undefined };
  }
  vscode.setState(state);
  if (state.last) render(state.last);
  if (message.type === 'layerTimesFailed') app.querySelector('.times-status')!.textContent = `Could not measure the layer times: ${message.message}`;
  if (message.type === 'knobSpeedupsFailed') app.querySelector('.knobs-status')!.textContent = `Could not measure the knob speedups: ${message.message}`;
});

function sameModel(a: HostMessage | undefined, b: HostMessage): boolean {
  return a?.type === 'overview' && b.type === 'overview' && JSON.stringify(a.overview) === JSON.stringify(b.overview);
}
vscode.postMessage({ type: 'ready' });
