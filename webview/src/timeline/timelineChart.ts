import { TimelineConfiguration, TimelineTrace } from '../../../src/ui/protocol/timeline';
import { themeColor } from '../theme';

/**
 * Two stacked plots over the trace's samples: the configuration the strategy chose (a step line, wrong
 * predictions marked on it) and the exact inferences saved so far.
 */
export function drawTimelineChart(target: HTMLElement, configurations: TimelineConfiguration[], trace: TimelineTrace): void {
  const foreground = themeColor('--vscode-foreground', '#cccccc');
  const grid = themeColor('--vscode-editorWidget-border', 'rgba(128,128,128,0.35)');
  const samples = trace.index.map((_, t) => t);
  const names = configurations.map((c) => c.name);
  void Plotly.react(
    target,
    [
      {
        type: 'scatter',
        mode: 'lines',
        name: 'Configuration',
        x: samples,
        y: trace.index,
        line: { shape: 'hv', color: themeColor('--vscode-charts-blue', '#3794ff'), width: 1.5 },
        customdata: trace.index.map((k) => [names[k], configurations[k].cost]),
        hovertemplate: 'sample %{x}: %{customdata[0]} (relative cost %{customdata[1]:.3f})<extra></extra>',
      },
      {
        type: 'scatter',
        mode: 'markers',
        name: 'Wrong prediction',
        x: trace.mistakes,
        y: trace.mistakes.map((t) => trace.index[t]),
        marker: { symbol: 'x-thin-open', size: 7, color: themeColor('--vscode-charts-red', '#f14c4c') },
        hovertemplate: 'sample %{x}: wrong prediction<extra></extra>',
      },
      {
        type: 'scatter',
        mode: 'lines',
        name: 'Exact inferences saved',
        x: samples,
        y: trace.cumulativeSaving,
        // on the lower plot's own x axis: on the upper one's, the lower axis (and its title) was never drawn
        xaxis: 'x2',
        yaxis: 'y2',
        line: { color: themeColor('--vscode-charts-green', '#89d185'), width: 1.5 },
        hovertemplate: 'after sample %{x}: %{y:.1f} exact inferences saved<extra></extra>',
      },
    ] as Parameters<typeof Plotly.react>[1],
    {
      paper_bgcolor: 'rgba(0,0,0,0)',
      plot_bgcolor: 'rgba(0,0,0,0)',
      font: { color: foreground, family: themeColor('--vscode-font-family', 'sans-serif'), size: 12 },
      // the legend above the plots: below them it covered the x-axis title
      margin: { l: 72, r: 16, t: 32, b: 44 },
      grid: { rows: 2, columns: 1, pattern: 'independent', roworder: 'top to bottom' },
      xaxis: { gridcolor: grid, matches: 'x2' },
      yaxis: {
        title: { text: 'configuration' },
        tickvals: names.map((_, k) => k),
        ticktext: names,
        gridcolor: grid,
        domain: [0.45, 1],
      },
      xaxis2: { title: { text: 'sample (in trace order)' }, anchor: 'y2', gridcolor: grid },
      yaxis2: { title: { text: 'exact inferences saved' }, gridcolor: grid, zerolinecolor: grid, domain: [0, 0.35] },
      legend: { orientation: 'h', x: 0, xanchor: 'left', y: 1.01, yanchor: 'bottom' },
      hovermode: 'closest',
      hoverlabel: {
        bgcolor: themeColor('--vscode-editorHoverWidget-background', '#252526'),
        bordercolor: themeColor('--vscode-editorHoverWidget-border', '#454545'),
        font: { color: themeColor('--vscode-editorHoverWidget-foreground', foreground) },
      },
    },
    { displayModeBar: false, responsive: true },
  );
}
