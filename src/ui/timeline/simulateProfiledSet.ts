import * as path from 'node:path';
import { createStrategy, simulate, splitTrace, StrategySpec } from '../../core/adapt';
import { AdaptableSet, strategyConfigurations, traceFromRecords } from '../../core/adapt/profiledSet';
import { toNumbers } from '../../core/data/ndarray';
import { readNpy } from '../../core/data/npy';
import { MobiproxError } from '../../core/errors';
import { readConfigurationSet } from '../../core/knobs/configurationSet';
import { describeStrategy } from '../../core/adapt/strategies';
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
 * Replays `strategy` over the profiled set's recorded outcomes (what `mobiprox simulate` does without --model);
 * the view carries the strategy's warning, if any.
 */
export function simulateProfiledSet(r: SimulationRequest): TimelineView {
  const set = readConfigurationSet(r.profile) as AdaptableSet;
  const labels = readIntegers(r.labels);
  const whole = traceFromRecords(set, labels, path.basename(r.labels, '.npy'));
  const traces = r.traceBy ? splitTrace(whole, readIntegers(r.traceBy)) : [whole];
  const configs = strategyConfigurations(set);
  const strategies = traces.map(() => createStrategy(r.strategy, configs));
  const warning = strategies[0]?.warning;
  const results = traces.map((t, n) => simulate(t, strategies[n]));
  const view = timelineView(r.label ?? r.profile, describeStrategy(r.strategy), set.configurations.map((c) => c.name), configs.costs!, results);
  return { ...view, warnings: warning === undefined ? [] : [warning] };
}

function readIntegers(file: string): number[] {
  const a = readNpy(file);
  if (a.dtype === 'float32' || a.dtype === 'float64' || a.shape.length !== 1) {
    throw new MobiproxError(`${file} must hold one integer per sample, shape [N].`, { file });
  }
  return Array.from(toNumbers(a));
}
