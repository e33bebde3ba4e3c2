import '@vscode-elements/elements/dist/vscode-button/index.js';
import { plotNotes } from '../../../src/ui/pareto/plotFigures';
import { HostMessage, ParetoState, ParetoView, PointAction, WebviewMessage } from '../../../src/ui/protocol/pareto';
import { el } from '../dom';
import { onThemeChange } from '../theme';
import { vscodeApi } from '../vscodeApi';
import { comparisonTables } from './comparisonTables';
import { knobTable } from './knobTable';
import { statusLine } from './statusLine';
import { drawParetoChart } from './paretoChart';

interface PlotlyClick {
  points: { customdata?: unknown[] }[];
}

const vscode = vscodeApi<ParetoState, WebviewMessage>();
const app = document.getElementById('app')!;
let state: ParetoState = vscode.getState() ?? { selected: [] };
let chart: HTMLElement | undefined;
onThemeChange(() => redraw());

function save(next: Partial<ParetoState>): void {
  state = { ...state, ...next };
  vscode.setState(state);
}

function redraw(): void {
  if (chart && state.view) drawParetoChart(chart, state.view.series, state.selected);
}

function render(view: ParetoView): void {
  chart = el('div', 'chart');
  chart.id = 'pareto-chart';
  const detail = el('section', 'detail');
  detail.id = 'detail';
  const selection = el('section', 'selection');
  const status = el('div', 'status');
  status.id = 'status';
  status.setAttribute('role', 'status');
  showStatus = (): void => status.replaceChildren(...(state.status ? statusLine(state.status, () => vscode.postMessage({ type: 'cancel' })) : []));
  const comparison = el('section', 'comparison');
  comparison.id = 'comparison';
  showComparison = (): void => comparison.replaceChildren(...(state.comparison ? comparisonTables(state.comparison) : []));
  const showDetail = (): void => {
    const d = view.configurations.find((c) => c.name === state.detail);
    detail.replaceChildren(
      ...(d ? [el('h2', undefined, `${d.name}: knob per layer`), knobTable(d)] : [el('p', 'hint', 'Click a point to see its knob per layer and to select it.')]),
    );
  };
  const showSelection = (): void => {
    const names = state.selected;
    const action = (kind: PointAction, text: string): HTMLElement => {
      const b = el('vscode-button', undefined, text);
      if (names.length === 0) b.setAttribute('disabled', '');
      b.addEventListener('click', () => vscode.postMessage({ type: kind, file: view.file, names }));
      return b;
    };
    // one selected configuration is compared with the exact one, two with each other
    const exact = view.configurations[0]?.name;
    const pair = names.length === 1 && names[0] !== exact ? [exact, names[0]] : names;
    const compare = el('vscode-button', undefined, 'Compare');
    if (pair.length !== 2) compare.setAttribute('disabled', '');
    compare.addEventListener('click', () => vscode.postMessage({ type: 'compare', file: view.file, names: pair }));
    compare.title = 'Measure two configurations on the host (one selected: against the exact one): knob and time per layer, accuracy per class';
    selection.replaceChildren(
      el('span', 'selected-names', names.length ? `Selected: ${names.join(', ')}` : 'No configuration selected'),
      compare,
      action('profile', 'Profile on Device'),
      action('bundle', 'Build Android Bundle'),
    );
  };
  const series = view.series.map((s) => `${s.label}: ${s.points.length} points, ${s.frontier.length} on the frontier`).join(' · ');
  app.replaceChildren(
    el(
      'header',
      undefined,
      el('h1', undefined, `${view.model}: speedup against QoS loss`),
      el('span', 'file', view.label + (view.partial ? ' (tuning cancelled: partial)' : '')),
    ),
    el('p', 'series', series || 'The set has no measured configurations besides the exact one.'),
    ...plotNotes(view).map((note) => el('p', 'plot-note', note)),
    chart,
    selection,
    status,
    comparison,
    detail,
  );
  showComparison();
  showStatus();
  showDetail();
  showSelection();
  // Plotly measures its container: draw once the page is in the document.
  requestAnimationFrame(() => {
    redraw();
    (chart as HTMLElement & { on(event: string, f: (e: PlotlyClick) => void): void }).on('plotly_click', (e) => {
      const name = e.points[0]?.customdata?.[0];
      if (typeof name !== 'string') return;
      const selected = state.selected.includes(name) ? state.selected.filter((n) => n !== name) : [...state.selected, name];
      save({ detail: name, selected });
      showDetail();
      showSelection();
      redraw();
    });
    app.setAttribute('aria-busy', 'false');
  });
}

let showComparison = (): void => {};
let showStatus = (): void => {};

window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  const m = event.data;
  if (m.type === 'status') {
    save({ status: m.status });
    showStatus();
    return;
  }
  if (m.type === 'comparison') {
    save({ comparison: m.comparison });
    showComparison();
    return;
  }
  // A new set keeps only the selection that still names its configurations.
  const names = new Set(m.view.configurations.map((c) => c.name));
  save({
    view: m.view,
    // a configuration the host shows (one just measured, one clicked in the Runs view) is the one selected
    selected: m.detail && names.has(m.detail) ? [m.detail] : state.selected.filter((n) => names.has(n)),
    comparison: state.comparison?.names.every((n) => names.has(n)) ? state.comparison : undefined,
    detail: m.detail ?? (state.detail && names.has(state.detail) ? state.detail : undefined),
  });
  render(m.view);
});
if (state.view) render(state.view);
vscode.postMessage({ type: 'ready' });
