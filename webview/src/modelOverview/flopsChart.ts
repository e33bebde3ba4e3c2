import { formatFlops } from '../../../src/ui/format';
import { LayerRow } from '../../../src/ui/protocol/modelOverview';
import { themeColor } from '../theme';

/** Bar chart of per-sample FLOPs per layer, coloured from the theme; hover names the layer. */
export function drawFlopsChart(target: HTMLElement, layers: LayerRow[], logScale: boolean): void {
  const foreground = themeColor('--vscode-foreground', '#cccccc');
  const grid = themeColor('--vscode-editorWidget-border', 'rgba(128,128,128,0.35)');
  void Plotly.react(
    target,
    [
      {
        type: 'bar',
        x: layers.map((l) => String(l.index)),
        y: layers.map((l) => l.flops),
        customdata: layers.map((l) => [l.name, l.op, formatFlops(l.flops)]),
        hovertemplate: 'layer %{x}: %{customdata[0]} (%{customdata[1]})<br>%{customdata[2]}<extra></extra>',
        marker: { color: themeColor('--vscode-charts-blue', '#3794ff') },
      },
    ],
    {
      paper_bgcolor: 'rgba(0,0,0,0)',
      plot_bgcolor: 'rgba(0,0,0,0)',
      font: {
        color: foreground,
        family: themeColor('--vscode-font-family', 'sans-serif'),
        size: 12,
      },
      margin: { l: 64, r: 16, t: 8, b: 44 },
      xaxis: { title: { text: 'layer' }, type: 'category', gridcolor: grid, tickfont: { size: 10 } },
      yaxis: { title: { text: 'FLOPs per sample' }, type: logScale ? 'log' : 'linear', gridcolor: grid, zerolinecolor: grid },
      hoverlabel: {
        bgcolor: themeColor('--vscode-editorHoverWidget-background', '#252526'),
        bordercolor: themeColor('--vscode-editorHoverWidget-border', '#454545'),
        font: { color: themeColor('--vscode-editorHoverWidget-foreground', foreground) },
      },
      bargap: 0.25,
    },
    { displayModeBar: false, responsive: true },
  );
}
