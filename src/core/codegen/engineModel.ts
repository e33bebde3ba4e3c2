/**
 * What a generated adaptation engine embeds: the configurations' names and temperatures, the strategy
 * tree, and the thresholds and costs the strategy reads — validated by building the reference strategy,
 * so that a spec the simulator refuses is never generated.
 */
import { createStrategy, StrategySpec } from '../adapt/strategies';
import { ConfidenceThresholds } from '../adapt/confidenceDriven';
import { AdaptableSet, relativeCosts, strategyConfigurations, temperaturesOf } from '../adapt/profiledSet';

export interface EngineModel {
  modelName: string;
  names: string[];
  temperatures: number[];
  spec: StrategySpec;
  thresholds?: ConfidenceThresholds;
  costs?: number[];
  /** The model ends in Softmax: observe() takes the logarithm of its outputs before temperature scaling. */
  probabilities: boolean;
}

export function engineModel(set: AdaptableSet, spec: StrategySpec, probabilities = false): EngineModel {
  const configs = strategyConfigurations(set);
  createStrategy(spec, configs);
  const uses = (s: StrategySpec, kind: StrategySpec['kind']): boolean => s.kind === kind || (s.kind === 'rules' && uses(s.inner, kind));
  return {
    modelName: set.model.name,
    names: set.configurations.map((c) => c.name),
    temperatures: temperaturesOf(set),
    spec,
    thresholds: uses(spec, 'confidence') || uses(spec, 'budget') ? configs.thresholds : undefined,
    costs: uses(spec, 'budget') ? relativeCosts(set) : undefined,
    probabilities,
  };
}

/** The strategy classes an engine needs, in the order they are emitted. */
export function strategyKinds(spec: StrategySpec): StrategySpec['kind'][] {
  return spec.kind === 'rules' ? ['rules', ...strategyKinds(spec.inner).filter((k) => k !== 'rules')] : [spec.kind];
}
