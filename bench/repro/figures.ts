/** The report's plotly figures (paper Figs. 3, 5 and 9), from the pipeline's results. */
import { ConfigurationRecord } from '../../src/core/knobs/configurationSet';
import { Interval } from '../../src/core/runtime/mpxrunRecords';
import { Figure } from './plots';
import { NetworkRun } from './pipeline';

const axis = (title: string) => ({ title: { text: title }, zeroline: false, gridcolor: '#e5e5e5' });
const base = { font: { family: 'sans-serif', size: 12 }, paper_bgcolor: 'white', plot_bgcolor: 'white', margin: { l: 60, r: 20, t: 50, b: 50 } };

/** Plotly error bars of the points' 95 % intervals; none unless every point has one. */
function errorBars(intervals: (Interval | undefined)[]): object | undefined {
  if (intervals.some((i) => !i)) return undefined;
  return {
    type: 'data', symmetric: false, thickness: 1, width: 3,
    array: intervals.map((i) => i!.high - i!.estimate), arrayminus: intervals.map((i) => i!.estimate - i!.low),
  };
}

const lossInterval = (loss: number, lowHigh: [number, number] | undefined): Interval | undefined =>
  lowHigh && { estimate: loss, low: lowHigh[0], high: lowHigh[1] };

interface Point { speedup: number; loss: number; speedupInterval?: Interval; lossInterval?: Interval }

/** Fig. 3: the frontier as the cost model predicted it, as the host measured it, and as the device did, measured points with their intervals. */
export function frontFigure(run: NetworkRun): Figure {
  const cs = run.set.configurations;
  const series = (name: string, pick: (c: ConfigurationRecord, k: number) => Point | undefined, symbol: string) => {
    const points = cs.map((c, k) => ({ c, p: pick(c, k) })).filter((x) => x.p).sort((a, b) => a.p!.loss - b.p!.loss);
    return {
      type: 'scatter', mode: 'lines+markers', name, marker: { symbol, size: 8 }, line: { shape: 'hv' },
      x: points.map((x) => x.p!.loss), y: points.map((x) => x.p!.speedup), text: points.map((x) => x.c.name),
      error_x: errorBars(points.map((x) => x.p!.lossInterval)), error_y: errorBars(points.map((x) => x.p!.speedupInterval)),
    };
  };
  return {
    name: `front-${run.network.name}`,
    data: [
      series('predicted (cost model, P1)', (c) => (c.predicted ? { speedup: c.predicted.speedup, loss: c.predicted.qosLoss } : c.name === 'conf0' ? { speedup: 1, loss: 0 } : undefined), 'circle-open'),
      series('host-measured (tuning set)', (c) => c.host && {
        speedup: c.host.speedup, loss: c.host.qosLoss, speedupInterval: c.host.timing?.speedup, lossInterval: lossInterval(c.host.qosLoss, c.host.qosLossInterval),
      }, 'square'),
      series('device-measured (device set)', (c, k) => c.device && {
        speedup: c.device.speedup, loss: c.device.qosLoss, speedupInterval: c.device.timing?.speedup, lossInterval: run.deviceIntervals?.[k].loss,
      }, 'diamond'),
    ],
    layout: { ...base, title: { text: `${run.network.title}: server vs device` }, xaxis: axis('QoS loss (accuracy points)'), yaxis: axis('speedup over exact') },
  };
}

/** Fig. 5: device speedup against device loss for every network, with their intervals. */
export function speedupFigure(runs: NetworkRun[]): Figure {
  return {
    name: 'speedup-vs-loss',
    data: runs.map((r) => ({
      type: 'scatter', mode: 'lines+markers', name: r.network.title, line: { shape: 'hv' },
      x: r.set.configurations.map((c) => c.device!.qosLoss), y: r.set.configurations.map((c) => c.device!.speedup),
      text: r.set.configurations.map((c) => c.name),
      error_x: errorBars(r.set.configurations.map((_, k) => r.deviceIntervals?.[k].loss)),
      error_y: errorBars(r.set.configurations.map((c) => c.device!.timing?.speedup)),
    })),
    layout: { ...base, title: { text: 'Device speedup against loss' }, xaxis: axis('QoS loss on the device set (points)'), yaxis: axis('device speedup') },
  };
}

/**
 * Fig. 9: one trace under one strategy — the configuration each sample ran on, the true class, and the
 * samples the chosen configuration got wrong — with the cumulative saving in the title.
 */
export function timelineFigure(run: NetworkRun, strategy: string, traceIndex: number, classNames: string[]): Figure {
  const row = run.strategies!.find((s) => s.name === strategy)!;
  const result = row.results[traceIndex];
  const trace = run.traces![traceIndex];
  const index = Array.from(result.timeline.index);
  const steps = index.map((_, i) => i);
  const wrong = steps.filter((i) => !result.timeline.correct[i]);
  return {
    name: `timeline-${run.network.name}`,
    width: 900,
    height: 440,
    data: [
      { type: 'scatter', mode: 'lines', name: 'configuration index', x: steps, y: index, line: { shape: 'hv', color: '#1f77b4' } },
      { type: 'scatter', mode: 'markers', name: 'wrong prediction', x: wrong, y: wrong.map((i) => index[i]), marker: { symbol: 'x', color: '#d62728', size: 6 } },
      {
        type: 'scatter', mode: 'lines', name: 'true class', x: steps, y: Array.from(trace.labels), yaxis: 'y2',
        line: { shape: 'hv', color: '#7f7f7f', dash: 'dot' },
      },
    ],
    layout: {
      ...base,
      margin: { ...base.margin, r: 100 },
      title: { text: `${run.network.title}, trace ${result.trace}, ${strategy}: accuracy ${result.accuracy.toFixed(1)} %, relative cost ${result.relativeCost.toFixed(3)}` },
      xaxis: axis('sample (time order)'),
      yaxis: { ...axis('configuration index'), dtick: 1 },
      yaxis2: { overlaying: 'y', side: 'right', tickvals: classNames.map((_, i) => i), ticktext: classNames, showgrid: false },
      legend: { orientation: 'h', y: -0.2 },
    },
  };
}
