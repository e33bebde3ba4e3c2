/**
 * What the Pareto plot draws of a series besides its points: the error bars of the 95 % intervals and each
 * point's hover text. Shared by the webview and the extension's tests: no `vscode`, no DOM, no Node.
 */
import { ParetoPoint, ParetoSeries, ParetoView } from '../protocol/pareto';

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

/**
 * Lines joining the points of one configuration across the series (predicted → host → device), as one
 * plotly trace: segments separated by nulls. Only configurations in two series or more.
 */
export function configurationLinks(series: readonly ParetoSeries[]): { x: (number | null)[]; y: (number | null)[] } {
  const x: (number | null)[] = [];
  const y: (number | null)[] = [];
  const names = new Set(series.flatMap((s) => s.points.map((p) => p.name)));
  for (const name of names) {
    const points = series.flatMap((s) => s.points.filter((p) => p.name === name));
    if (points.length < 2) continue;
    for (const p of points) x.push(p.qosLoss), y.push(p.speedup);
    x.push(null), y.push(null);
  }
  return { x, y };
}

/**
 * What the plot says in words, beside the figures: that no configuration beat the exact one where it was
 * measured (and what to try), and what a negative loss means.
 */
export function plotNotes(view: ParetoView): string[] {
  const notes: string[] = [];
  const measured = view.series.filter((s) => s.kind !== 'predicted');
  for (const s of measured) {
    const approximated = s.points.filter((p) => p.knobSummary !== 'exact');
    // faster for sure: the interval's low end above 1 when there is one
    if (approximated.length > 0 && !approximated.some((p) => (p.speedupInterval ? p.speedupInterval[0] : p.speedup) > 1)) {
      notes.push(`${s.label}: no configuration beat the exact one. Try a larger QoS threshold (mobiprox.tuning.qosThreshold) ` +
        'or more validated candidates (mobiprox.tuning.maxEvals); on small layers the fixed costs of a layer outweigh what a ' +
        "knob saves (Measure Layer Times in the model's overview shows where the time goes).");
    }
  }
  if (view.series.some((s) => s.points.some((p) => p.qosLoss < 0))) {
    notes.push('A negative loss is an approximation that was more accurate than the exact model on this data: within the ' +
      'noise of the samples, not a better model.');
  }
  return notes;
}
