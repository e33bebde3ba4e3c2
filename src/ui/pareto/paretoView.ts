import { ConfigurationRecord, ConfigurationSet, Measurement } from '../../core/knobs/configurationSet';
import { EXACT_KNOB, knobTitle } from '../../core/knobs/catalog';
import { measurementNotes } from '../../core/stats/describe';
import { paretoFront } from '../../core/tuner/pareto';
import { ConfigurationDetail, ParetoPoint, ParetoSeries, ParetoView, PointAction, SeriesKind } from '../protocol/pareto';

const SERIES: { kind: SeriesKind; label: string; of: (c: ConfigurationRecord) => Measurement | undefined }[] = [
  { kind: 'predicted', label: 'Cost model (predicted)', of: (c) => c.predicted },
  { kind: 'host', label: 'Host-measured', of: (c) => c.host },
  { kind: 'device', label: 'Device-measured', of: (c) => c.device },
];

/**
 * What the Pareto panel shows of a configuration set: one series per source of figures the set has (the
 * tuner's prediction, the host's validation, a device's profile), each with its own frontier, and each
 * configuration's knob per layer. The exact configuration has no prediction, so the predicted series starts
 * from it at (×1, 0). Measured points carry their 95 % intervals, where the set has them, and what those say
 * ("not faster", "loss within noise"; not of the exact configuration, the reference).
 */
export function paretoView(set: ConfigurationSet, file: string, label = file): ParetoView {
  const series: ParetoSeries[] = [];
  for (const s of SERIES) {
    const points: ParetoPoint[] = [];
    for (const c of set.configurations) {
      const m = s.of(c) ?? (s.kind === 'predicted' && isExact(c) ? c : undefined);
      if (!m) continue;
      points.push({
        name: c.name, speedup: m.speedup, qosLoss: m.qosLoss, accuracy: m.accuracy, knobSummary: knobSummary(c),
        ...(s.kind === 'predicted' ? {} : intervals(m, isExact(c))),
      });
    }
    // A series of the exact configuration alone says nothing: the set was not measured that way.
    if (points.length < 2) continue;
    const frontier = paretoFront(points.map((p) => ({ name: p.name, speedup: p.speedup, loss: p.qosLoss }))).map((p) => p.name);
    series.push({ kind: s.kind, label: s.label, points, frontier });
  }
  return {
    file,
    label,
    model: set.model.name,
    partial: !!set.partial,
    series,
    configurations: set.configurations.map((c) => configurationDetail(set, c)),
  };
}

function intervals(m: Measurement, exact: boolean): Pick<ParetoPoint, 'speedupInterval' | 'qosLossInterval' | 'notes'> {
  const notes = exact ? [] : measurementNotes(m);
  return {
    ...(m.timing ? { speedupInterval: [m.timing.speedup.low, m.timing.speedup.high] as [number, number] } : {}),
    ...(m.qosLossInterval ? { qosLossInterval: [m.qosLossInterval[0], m.qosLossInterval[1]] as [number, number] } : {}),
    ...(notes.length ? { notes } : {}),
  };
}

function isExact(c: ConfigurationRecord): boolean {
  return c.layers.every((slots) => slots.every((s) => s.knob === EXACT_KNOB));
}

/**
 * The set a page's profile or bundle request acts on: only the file its panel shows (the `file` of the view
 * the host sent it). A request naming any other path is refused, with the reason to log.
 */
export function pointActionFile(action: PointAction, requested: string, panelFile: string): { file: string } | { refused: string } {
  if (requested === panelFile) return { file: panelFile };
  return { refused: `Pareto panel of ${panelFile}: refused the page's ${action} request for ${JSON.stringify(requested)}, which is not the set the panel shows.` };
}

/**
 * The approximated layers' main knobs in words, layers with the same knob together: "layers 2, 5: row
 * perforation ×2 offset 1, fp32 (123); layer 4: fp16 (12)"; "exact" when there are none.
 */
export function knobSummary(c: ConfigurationRecord): string {
  const byKnob = new Map<number, number[]>();
  c.layers.forEach((slots, i) => {
    if (slots[0] && slots[0].knob !== EXACT_KNOB) byKnob.set(slots[0].knob, [...(byKnob.get(slots[0].knob) ?? []), i + 1]);
  });
  if (byKnob.size === 0) return 'exact';
  return [...byKnob].map(([id, layers]) => `layer${layers.length > 1 ? 's' : ''} ${layers.join(', ')}: ${knobTitle(id)} (${id})`).join('; ');
}

function configurationDetail(set: ConfigurationSet, c: ConfigurationRecord): ConfigurationDetail {
  return {
    name: c.name,
    layers: c.layers.map((slots, i) => {
      const main = slots[0];
      return {
        layer: i + 1,
        ops: (set.model.layers[i] ?? slots.map((s) => s.op)).join(' + '),
        knob: main ? `${knobTitle(main.knob)} (${main.knob})` : '',
        approximated: slots.some((s) => s.knob !== EXACT_KNOB),
      };
    }),
  };
}
