/**
 * What the Pareto plot draws of a series besides its points: the error bars of the 95 % intervals and each
 * point's hover text. Shared by the webview and the extension's tests: no `vscode`, no DOM, no Node.
 */
import { ParetoPoint, ParetoSeries } from '../protocol/pareto';

/** Plotly's asymmetric error bars of one axis, relative to the points: [value − arrayminus, value + array]. */
export interface ErrorArrays {
  array: number[];
  arrayminus: number[];
}

/**
 * The error bars of a series: `speedup` (the speedup axis) and `loss` (the QoS loss axis), each absent when no
 * point of the series has that interval (predicted figures, sets written before intervals). A point without
 * the interval gets NaN, which plotly draws no bar for (0 would draw a flat whisker on the point).
 */
export function errorBars(series: ParetoSeries): { speedup?: ErrorArrays; loss?: ErrorArrays } {
  const arrays = (value: (p: ParetoPoint) => number, interval: (p: ParetoPoint) => [number, number] | undefined): ErrorArrays | undefined => {
    if (!series.points.some((p) => interval(p))) return undefined;
    return {
      array: series.points.map((p) => (interval(p) ? interval(p)![1] - value(p) : NaN)),
      arrayminus: series.points.map((p) => (interval(p) ? value(p) - interval(p)![0] : NaN)),
    };
  };
  const speedup = arrays((p) => p.speedup, (p) => p.speedupInterval);
  const loss = arrays((p) => p.qosLoss, (p) => p.qosLossInterval);
  return { ...(speedup ? { speedup } : {}), ...(loss ? { loss } : {}) };
}

/**
 * A point's hover: name, "speedup 1.42× [1.39, 1.45]", "QoS loss 0.80 [−0.30, 1.90] points" (the interval when
 * measured), accuracy, knobs and what the intervals say ("not faster, loss within noise"). Lines joined by
 * <br>, and no <b> or <i>: plotly styles those with style attributes, which the page's CSP refuses.
 */
export function pointHover(p: ParetoPoint): string {
  const interval = (range: [number, number] | undefined, digits: number): string =>
    range ? ` [${signed(range[0], digits)}, ${signed(range[1], digits)}]` : '';
  return [
    escapeHover(p.name),
    `speedup ${signed(p.speedup, 2)}×${interval(p.speedupInterval, 2)}`,
    `QoS loss ${signed(p.qosLoss, 2)}${interval(p.qosLossInterval, 2)} points`,
    `accuracy ${p.accuracy.toFixed(2)} %`,
    `knobs ${escapeHover(p.knobSummary)}`,
    ...(p.notes?.length ? [p.notes.join(', ')] : []),
  ].join('<br>');
}

/** A figure with a true minus sign, "−0.30"; one that rounds to zero has none. */
function signed(value: number, digits: number): string {
  const text = value.toFixed(digits);
  return /^-[0.]+$/.test(text) ? text.slice(1) : text.replace(/^-/, '\u2212');
}

/** Plotly reads hover text as its small HTML subset: names and knobs stay text. */
function escapeHover(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
