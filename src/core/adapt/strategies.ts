/**
 * Strategies described as plain JSON (what the CLI parses, the VS Code UI edits and the code generator
 * embeds) and built into state machines for a given set of configurations.
 */
import { MobiproxError } from '../errors';
import { BudgetStrategy } from './budget';
import { ConfidenceDrivenStrategy, ConfidenceThresholds } from './confidenceDriven';
import { ContextRule, ContextRules } from './contextRules';
import { AdaptationStrategy, Growth } from './engine';
import { FixedStrategy } from './fixed';
import { NaiveStrategy } from './naive';
import { StateDrivenStrategy } from './stateDriven';

export type StrategySpec =
  | { kind: 'fixed'; index: number }
  | { kind: 'naive'; growth?: Growth }
  | { kind: 'state'; growth?: Growth; window?: number; voteLimit?: number }
  | { kind: 'confidence'; growth?: Growth }
  | { kind: 'budget'; budget: number; slack?: number }
  | { kind: 'rules'; rules: ContextRule[]; inner: StrategySpec };

/** What the strategies may need to know about the configurations. */
export interface ConfigurationSet {
  count: number;
  /** From the calibrated confidence triples (confidenceThresholds); the confidence and budget strategies need them. */
  thresholds?: ConfidenceThresholds;
  /** Relative cost per configuration (exact = 1); the budget strategy needs them. */
  costs?: number[];
  /** Configuration names, for the strategies' warnings. */
  names?: string[];
}

export function createStrategy(spec: StrategySpec, configs: ConfigurationSet): AdaptationStrategy {
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new MobiproxError(`The ${spec.kind} strategy needs ${what}.`, { value: spec.kind });
    return value;
  };
  const thresholds = () => {
    const t = need(configs.thresholds, 'per-class confidence thresholds (profile the configurations with confidence statistics)');
    if (t.lessBelow.length !== configs.count) {
      throw new MobiproxError(`There are confidence thresholds for ${t.lessBelow.length} configurations, not ${configs.count}.`);
    }
    return t;
  };
  switch (spec.kind) {
    case 'fixed': return new FixedStrategy(configs.count, spec.index);
    case 'naive': return new NaiveStrategy(configs.count, spec.growth);
    case 'state': return new StateDrivenStrategy(configs.count, spec);
    case 'confidence': return new ConfidenceDrivenStrategy(thresholds(), spec.growth);
    case 'budget': return new BudgetStrategy(thresholds(), { ...spec, costs: need(configs.costs, 'the relative cost of every configuration'), names: configs.names });
    case 'rules': return new ContextRules(createStrategy(spec.inner, configs), spec.rules, configs.count);
    default: throw new MobiproxError(`Unknown strategy '${(spec as { kind: string }).kind}'; use fixed, naive, state, confidence, budget or rules.`, { value: spec });
  }
}

/** A one-line description of a strategy, for tables and generated comments. */
export function describeStrategy(s: StrategySpec): string {
  switch (s.kind) {
    case 'fixed': return `fixed at ${s.index}`;
    case 'naive': return `naive, ${s.growth ?? 'linear'}`;
    case 'state': return `state-driven, ${s.growth ?? 'linear'}, N=${s.window ?? 3}, V_L=${s.voteLimit ?? 2}`;
    case 'confidence': return `confidence-driven, ${s.growth ?? 'linear'}`;
    case 'budget': return `budget ${s.budget}, slack ${s.slack ?? 2}`;
    case 'rules': return `${s.rules.length} context rule(s) over ${describeStrategy(s.inner)}`;
  }
}
