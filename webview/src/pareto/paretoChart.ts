import { ErrorArrays, configurationLinks, errorBars, pointHover } from '../../../src/ui/pareto/plotFigures';
import { ParetoSeries, SeriesKind } from '../../../src/ui/protocol/pareto';
import { themeColor } from '../theme';

/** Each series' colour, from the theme's chart palette. */
const COLOURS: Record<SeriesKind, [string, string]> = {
  predicted: ['--vscode-charts-purple', '#b180d7'],
  host: ['--vscode-charts-blue', '#3794ff'],
  device: ['--vscode-charts-orange', '#d18616'],
};

/** Tags every trace so that the page (and the e2e test) can tell points from frontier lines. */
export interface TraceMeta {
  role: 'points' | 'frontier' | 'selected' | 'links';
  kind?: SeriesKind;
}

/**
 * Speedup against QoS loss: per series, its points (hover: name, speedup, loss, accuracy, knobs, with their
 * 95 % intervals and what those say) with the intervals as thin error bars, and its frontier as a staircase
 * line; the selected configurations ringed. Clicking a point calls `onClick` with its name.
 */
export function drawParetoChart(target: HTMLElement, series: ParetoSeries[], selected: readonly string[]): void {
  const foreground = themeColor('--vscode-foreground', '#cccccc');
  const grid = themeColor('--vscode-editorWidget-border', 'rgba(128,128,128,0.35)');
  const traces: Record<string, unknown>[] = [];
  const links = configurationLinks(series);
  if (links.x.length > 0) {
    traces.push({
      type: 'scatter',
      mode: 'lines',
      name: 'same configuration',
      hoverinfo: 'skip',
      ...links,
      line: { color: foreground, width: 1 },
      opacity: 0.35,
      meta: { role: 'links' } satisfies TraceMeta,
    });
  }
  for (const s of series) {
    const colour = themeColor(...COLOURS[s.kind]);
    const front = s.frontier.map((name) => s.points.find((p) => p.name === name)!);
    const bars = errorBars(s);
    const errorBar = (e: ErrorArrays): Record<string, unknown> =>
      ({ type: 'data', symmetric: false, array: e.array, arrayminus: e.arrayminus, color: colour, thickness: 1, width: 3 });
    traces.push({
      type: 'scatter',
      mode: 'lines',
      name: `${s.label} frontier`,
      legendgroup: s.kind,
      showlegend: false,
      hoverinfo: 'skip',
      x: front.map((p) => p.qosLoss),
      y: front.map((p) => p.speedup),
      line: { color: colour, width: 1.5, dash: 'dot', shape: 'hv' },
      meta: { role: 'frontier', kind: s.kind } satisfies TraceMeta,
    });
    traces.push({
      type: 'scatter',
      mode: 'markers',
      name: s.label,
      legendgroup: s.kind,
      x: s.points.map((p) => p.qosLoss),
      y: s.points.map((p) => p.speedup),
      customdata: s.points.map((p) => [p.name]),
      // The lines of pointHover: no <b> or <i>, which plotly styles with style attributes the page's CSP refuses.
      text: s.points.map(pointHover),
      hovertemplate: `%{text}<extra>${s.label}</extra>`,
      // Loss on x, speedup on y.
      ...(bars.loss ? { error_x: errorBar(bars.loss) } : {}),
      ...(bars.speedup ? { error_y: errorBar(bars.speedup) } : {}),
      marker: { color: colour, size: 9, symbol: s.kind === 'predicted' ? 'diamond-open' : 'circle' },
      meta: { role: 'points', kind: s.kind } satisfies TraceMeta,
    });
  }
  const ringed = series.flatMap((s) => s.points.filter((p) => selected.includes(p.name)));
  traces.push({
    type: 'scatter',
    mode: 'markers',
    name: 'Selected',
    hoverinfo: 'skip',
    x: ringed.map((p) => p.qosLoss),
    y: ringed.map((p) => p.speedup),
    marker: { size: 17, color: 'rgba(0,0,0,0)', line: { width: 2, color: themeColor('--vscode-focusBorder', '#007fd4') } },
    showlegend: ringed.length > 0,
    meta: { role: 'selected' } satisfies TraceMeta,
  });
  void Plotly.react(
    target,
    traces as Parameters<typeof Plotly.react>[1],
    {
      paper_bgcolor: 'rgba(0,0,0,0)',
      plot_bgcolor: 'rgba(0,0,0,0)',
      font: { color: foreground, family: themeColor('--vscode-font-family', 'sans-serif'), size: 12 },
      margin: { l: 64, r: 16, t: 8, b: 48 },
      // the exact configuration: the reference every point is measured against
      shapes: [
        { type: 'line', xref: 'paper', x0: 0, x1: 1, yref: 'y', y0: 1, y1: 1, line: { color: foreground, width: 1, dash: 'dash' }, opacity: 0.5 },
        { type: 'line', yref: 'paper', y0: 0, y1: 1, xref: 'x', x0: 0, x1: 0, line: { color: foreground, width: 1, dash: 'dash' }, opacity: 0.5 },
      ],
      annotations: [
        { xref: 'paper', x: 1, xanchor: 'right', yref: 'y', y: 1, yanchor: 'bottom', text: 'exact: ×1, no loss', showarrow: false, font: { size: 11, color: foreground } },
      ],
      xaxis: { title: { text: 'QoS loss (accuracy points)' }, gridcolor: grid, zerolinecolor: grid },
      yaxis: { title: { text: 'speedup' }, gridcolor: grid, zerolinecolor: grid, tickprefix: '×' },
      legend: { orientation: 'h', y: -0.2 },
      hovermode: 'closest',
      clickmode: 'event',
      hoverlabel: {
        bgcolor: themeColor('--vscode-editorHoverWidget-background', '#252526'),
        bordercolor: themeColor('--vscode-editorHoverWidget-border', '#454545'),
        font: { color: themeColor('--vscode-editorHoverWidget-foreground', foreground) },
      },
    },
    { displayModeBar: false, responsive: true },
  );
}
