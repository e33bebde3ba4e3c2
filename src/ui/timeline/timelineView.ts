import { SimulationResult } from '../../core/adapt/simulate';
import { TimelineTrace, TimelineView } from '../protocol/timeline';

/** The timeline panel's content from simulated traces of one strategy over one profiled set. */
export function timelineView(file: string, strategy: string, names: string[], costs: number[], results: SimulationResult[]): TimelineView {
  if (names.length !== costs.length) throw new Error(`${names.length} configuration names for ${costs.length} costs`);
  return {
    file,
    strategy,
    configurations: names.map((name, k) => ({ name, cost: costs[k] })),
    traces: results.map((r) => timelineTrace(r, costs)),
  };
}

function timelineTrace(r: SimulationResult, costs: number[]): TimelineTrace {
  const index = Array.from(r.timeline.index);
  const mistakes: number[] = [];
  const cumulativeSaving: number[] = [];
  let saved = 0;
  index.forEach((k, t) => {
    saved += 1 - costs[k];
    cumulativeSaving.push(saved);
    if (!r.timeline.correct[t]) mistakes.push(t);
  });
  return {
    name: r.trace, index, mistakes, cumulativeSaving,
    accuracy: r.accuracy, loss: r.loss, relativeCost: r.relativeCost, switches: r.switches,
  };
}
