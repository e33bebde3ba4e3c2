import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import { formatFlops, formatShape } from '../../../src/ui/format';
import {
  HostMessage,
  ImportFailure,
  ModelOverview,
  ModelOverviewState,
  WebviewMessage,
} from '../../../src/ui/protocol/modelOverview';
import { el } from '../dom';
import { onThemeChange } from '../theme';
import { vscodeApi } from '../vscodeApi';
import { drawFlopsChart } from './flopsChart';
import { layersTable } from './layersTable';

const vscode = vscodeApi<ModelOverviewState, WebviewMessage>();
const app = document.getElementById('app')!;
let state: ModelOverviewState = vscode.getState() ?? { logScale: false };
let repaintChart = (): void => {};
onThemeChange(() => repaintChart());

function render(message: HostMessage): void {
  repaintChart = () => {};
  app.replaceChildren(message.type === 'overview' ? overviewPage(message.overview) : failurePage(message.failure));
  app.setAttribute('aria-busy', 'false');
}

function overviewPage(model: ModelOverview): HTMLElement {
  const chart = el('div', 'chart');
  chart.id = 'flops-chart';
  const logScale = el('vscode-checkbox');
  logScale.label = 'Logarithmic scale';
  logScale.checked = state.logScale;
  const draw = (): void => drawFlopsChart(chart, model.layers, state.logScale);
  logScale.addEventListener('change', () => {
    state = { ...state, logScale: logScale.checked };
    vscode.setState(state);
    draw();
  });
  repaintChart = draw;
  // Plotly measures its container: draw once the page is in the document.
  requestAnimationFrame(draw);

  const outputs = model.outputNames.map((n, i) => `${n} ${formatShape(model.outputShapes[i])}`).join(', ');
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
    el('section', undefined, el('div', 'section-title', el('h2', undefined, 'FLOPs per layer'), logScale), chart),
    el('section', undefined, el('h2', undefined, 'Layers'), layersTable(model.layers)),
  );
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
  state = { ...state, last: event.data };
  vscode.setState(state);
  render(event.data);
});
vscode.postMessage({ type: 'ready' });
