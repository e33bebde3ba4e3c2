import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import { HostMessage, TimelineState, TimelineView, WebviewMessage } from '../../../src/ui/protocol/timeline';
import { el } from '../dom';
import { onThemeChange } from '../theme';
import { vscodeApi } from '../vscodeApi';
import { drawTimelineChart } from './timelineChart';

const vscode = vscodeApi<TimelineState, WebviewMessage>();
const app = document.getElementById('app')!;
let state: TimelineState = vscode.getState() ?? { trace: 0 };
let repaint = (): void => {};
onThemeChange(() => repaint());

function render(view: TimelineView): void {
  const chart = el('div', 'chart');
  chart.id = 'timeline-chart';
  const summary = el('p', 'summary');
  const show = (): void => {
    const t = view.traces[Math.min(state.trace, view.traces.length - 1)];
    summary.textContent =
      `${t.index.length} samples · accuracy ${t.accuracy.toFixed(2)} % (loss ${t.loss.toFixed(2)} points) · ` +
      `relative cost ${t.relativeCost.toFixed(3)} · ${t.switches} switches · ${t.mistakes.length} wrong predictions`;
    repaint = () => drawTimelineChart(chart, view.configurations, t);
    repaint();
  };
  const picker = el('vscode-single-select');
  view.traces.forEach((t, i) => {
    const option = el('vscode-option', undefined, t.name);
    option.setAttribute('value', String(i));
    if (i === state.trace) option.setAttribute('selected', '');
    picker.append(option);
  });
  picker.addEventListener('change', () => {
    state = { ...state, trace: Number((picker as unknown as { value: string }).value) };
    vscode.setState(state);
    show();
  });
  app.replaceChildren(
    el('header', undefined, el('h1', undefined, `Strategy: ${view.strategy}`), el('span', 'file', view.file)),
    el('div', 'controls', el('span', undefined, 'Trace'), picker),
    summary,
    chart,
  );
  requestAnimationFrame(() => {
    show();
    app.setAttribute('aria-busy', 'false');
  });
}

window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  state = { view: event.data.view, trace: state.view?.file === event.data.view.file ? state.trace : 0 };
  vscode.setState(state);
  render(event.data.view);
});
if (state.view) render(state.view);
vscode.postMessage({ type: 'ready' });
