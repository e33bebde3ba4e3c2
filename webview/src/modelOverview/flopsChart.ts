import { formatFlops } from '../../../src/ui/format';
import { LayerRow, MeasuredTimes } from '../../../src/ui/protocol/modelOverview';
import { themeColor } from '../theme';

/**
 * Bar chart of per-sample FLOPs per layer, coloured from the theme; hover names the layer. Measured times,
 * when there are, are drawn over it as points on their own axis (ms per sample), orange where the time's
 * share and the FLOPs' differ more than twofold.
 */
export function drawFlopsChart(target: HTMLElement, layers: LayerRow[], logScale: boolean, times?: MeasuredTimes): void {
  const foreground = themeColor('--vscode-foreground', '#cccccc');
  const grid = themeColor('--vscode-editorWidget-border', 'rgba(128,128,128,0.35)');
  const measured = new Map(times?.layers.map((t) => [t.layer, t]));
  const timed = layers.filter((l) => measured.has(l.index));
  void Plotly.react(
    target,
    [
      {
        type: 'bar',
        name: 'FLOPs',
        x: layers.map((l) => String(l.index)),
        y: layers.map((l) => l.flops),
        customdata: layers.map((l) => [l.name, l.op, formatFlops(l.flops)]),
        hovertemplate: 'layer %{x}: %{customdata[0]} (%{customdata[1]})<br>%{customdata[2]}<extra></extra>',
        marker: { color: themeColor('--vscode-charts-blue', '#3794ff') },
      },
      ...(times ? [false, true].map((flagged) => {
        const these = timed.filter((l) => measured.get(l.index)!.disagrees === flagged);
        return {
          type: 'scatter' as const,
          mode: 'markers' as const,
          name: flagged ? 'measured ms, FLOPs mislead' : 'measured ms',
          yaxis: 'y2',
          x: these.map((l) => String(l.index)),
          y: these.map((l) => measured.get(l.index)!.ms),
          customdata: these.map((l) => {
            const t = measured.get(l.index)!;
            return [l.name, (100 * t.share).toFixed(1), (100 * t.flopsShare).toFixed(1)];
          }),
          hovertemplate: 'layer %{x}: %{customdata[0]}<br>%{y:.4f} ms per sample: %{customdata[1]} % of the time, ' +
            '%{customdata[2]} % of the FLOPs<extra></extra>',
          marker: { size: 8, color: flagged ? themeColor('--vscode-charts-orange', '#d18616') : foreground },
        };
      }).filter((trace) => trace.x.length > 0) : []),
    ],
    {
      paper_bgcolor: 'rgba(0,0,0,0)',
      plot_bgcolor: 'rgba(0,0,0,0)',
      font: {
        color: foreground,
        family: themeColor('--vscode-font-family', 'sans-serif'),
        size: 12,
      },
      margin: { l: 64, r: times ? 64 : 16, t: times ? 28 : 8, b: 44 },
      xaxis: { title: { text: 'layer' }, type: 'category', gridcolor: grid, tickfont: { size: 10 } },
      yaxis: { title: { text: 'FLOPs per sample' }, type: logScale ? 'log' : 'linear', gridcolor: grid, zerolinecolor: grid },
      ...(times ? {
        yaxis2: { title: { text: 'measured ms per sample' }, type: logScale ? 'log' : 'linear', overlaying: 'y', side: 'right', showgrid: false, rangemode: 'tozero' },
        showlegend: true,
        legend: { orientation: 'h', x: 0, y: 1.12 },
      } : {}),
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
