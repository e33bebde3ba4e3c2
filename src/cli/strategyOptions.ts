/** The strategy options shared by simulate, generate and bundle, parsed into a StrategySpec. */
import { Command, InvalidArgumentError } from 'commander';
import { ContextRule } from '../core/adapt/contextRules';
import { Growth } from '../core/adapt/engine';
import { StrategySpec } from '../core/adapt/strategies';
import { MobiproxError } from '../core/errors';
import { positiveInt } from './options';

const KINDS = ['fixed', 'naive', 'state', 'confidence', 'budget', 'rules'] as const;
type Kind = (typeof KINDS)[number];

/**
 * A context rule `CONDITIONS:MIN-MAX` (or `:K` for one index): conditions joined by commas, each one of
 * battery<P, battery>=P, charging, !charging, mode=NAME. E.g. `battery<20,!charging:3-5`.
 */
export function parseRule(text: string): ContextRule {
  const colon = text.lastIndexOf(':');
  const range = /^(\d+)(?:-(\d+))?$/.exec(text.slice(colon + 1).trim());
  if (colon < 0 || !range) throw new InvalidArgumentError(`'${text}' is not a rule CONDITIONS:MIN-MAX, e.g. 'battery<20:3-5' or 'mode=saver,!charging:4'.`);
  const rule: ContextRule = { min: Number(range[1]), max: Number(range[2] ?? range[1]) };
  if (rule.min > rule.max) throw new InvalidArgumentError(`The range of rule '${text}' runs backwards: ${rule.min} > ${rule.max}.`);
  for (const raw of text.slice(0, colon).split(',').map((c) => c.trim()).filter((c) => c !== '')) {
    let m: RegExpExecArray | null;
    if ((m = /^battery\s*<\s*(\d+(?:\.\d+)?)$/.exec(raw))) rule.batteryBelow = Number(m[1]);
    else if ((m = /^battery\s*>=\s*(\d+(?:\.\d+)?)$/.exec(raw))) rule.batteryAtLeast = Number(m[1]);
    else if (raw === 'charging') rule.charging = true;
    else if (raw === '!charging') rule.charging = false;
    else if ((m = /^mode\s*=\s*(\S+)$/.exec(raw))) rule.mode = m[1];
    else throw new InvalidArgumentError(`'${raw}' in rule '${text}' is not a condition: use battery<P, battery>=P, charging, !charging or mode=NAME.`);
  }
  return rule;
}

function kind(value: string): Kind {
  if (!(KINDS as readonly string[]).includes(value)) throw new InvalidArgumentError(`'${value}' is not a strategy: use ${KINDS.join(', ')}.`);
  return value as Kind;
}

function growth(value: string): Growth {
  if (value !== 'linear' && value !== 'exponential') throw new InvalidArgumentError(`'${value}' is not a growth: use linear or exponential.`);
  return value;
}

function fraction(value: string): number {
  const n = Number(value);
  if (!(n > 0 && n <= 1)) throw new InvalidArgumentError(`'${value}' is not a mean relative cost in (0, 1], e.g. 0.7.`);
  return n;
}

function positive(value: string): number {
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`'${value}' is not a positive number.`);
  return n;
}

function index(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`'${value}' is not a configuration index (0, 1, …).`);
  return n;
}

export function addStrategyOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--strategy <kind>', `adaptation strategy: ${KINDS.join(', ')}`, kind)
    .option('--growth <g>', 'step growth when approximating more: linear or exponential (naive, state, confidence)', growth)
    .option('--window <n>', 'state: FIFO length N (default 3)', positiveInt)
    .option('--votes <n>', 'state: vote limit V_L (default 2)', positiveInt)
    .option('--budget <b>', 'budget: bound on the mean relative cost, e.g. 0.7', fraction)
    .option('--slack <s>', 'budget: largest banked credit, in exact inferences (default 2)', positive)
    .option('--index <k>', 'fixed: the configuration to stay at (default 0, exact)', index)
    .option('--rule <rule>', "rules: 'CONDITIONS:MIN-MAX', repeatable, first match wins (e.g. 'battery<20:3-5', 'mode=saver:4')",
      (v: string, prev: ContextRule[]) => [...prev, parseRule(v)], [] as ContextRule[])
    .option('--inner <kind>', 'rules: the strategy moving inside the allowed range (default confidence)', kind);
}

export interface StrategyFlags {
  strategy: Kind; growth?: Growth; window?: number; votes?: number; budget?: number; slack?: number; index?: number;
  rule: ContextRule[]; inner?: Kind;
}

export function strategyFrom(o: StrategyFlags): StrategySpec {
  const spec = (k: Kind): StrategySpec => {
    switch (k) {
      case 'fixed': return { kind: 'fixed', index: o.index ?? 0 };
      case 'naive': return { kind: 'naive', growth: o.growth };
      case 'state': return { kind: 'state', growth: o.growth, window: o.window, voteLimit: o.votes };
      case 'confidence': return { kind: 'confidence', growth: o.growth };
      case 'budget':
        if (o.budget === undefined) throw new MobiproxError('The budget strategy needs --budget <b>, the bound on the mean relative cost (e.g. 0.7).');
        return { kind: 'budget', budget: o.budget, slack: o.slack };
      case 'rules': {
        if (o.rule.length === 0) throw new MobiproxError("The rules strategy needs at least one --rule, e.g. --rule 'battery<20:3-5'.");
        const inner = o.inner ?? 'confidence';
        if (inner === 'rules') throw new MobiproxError('--inner must be a strategy other than rules.');
        return { kind: 'rules', rules: o.rule, inner: spec(inner) };
      }
    }
  };
  return spec(o.strategy);
}
