import { StrategySpec } from '../../core/adapt';
import { describeStrategy } from '../../core/adapt/strategies';
import { simulateRecorded } from '../../core/usecases/simulateStrategy';
import { TimelineView } from '../protocol/timeline';
import { timelineView } from './timelineView';

export interface SimulationRequest {
  /** A set profiled per sample (Profile on Device), whose recorded outcomes are the trace. */
  profile: string;
  labels: string;
  /** One trace per group id (e.g. the subject of each sample). */
  traceBy?: string;
  strategy: StrategySpec;
  /** How the set's file is shown. */
  label?: string;
}

/**
 * Replays `strategy` over the profiled set's recorded outcomes (what `mobiprox simulate` does without --model)
 * into the timeline panel's view, which carries the strategy's warnings and the notes on the trace.
 */
export function simulateProfiledSet(r: SimulationRequest): TimelineView {
  const s = simulateRecorded(r);
  const view = timelineView(r.label ?? r.profile, describeStrategy(r.strategy), s.set.configurations.map((c) => c.name), s.costs, s.results);
  return { ...view, warnings: [...s.notes, ...s.warnings] };
}
