/**
 * Context rules (src/core/DESIGN.md §6): user rules over the device's state (battery level, charging, a user mode)
 * choose the allowed configuration range; any inner strategy then moves within it. Rules are tried in
 * order and the first match wins, like a firewall table, so a user reads them top-down; with no match every
 * configuration is allowed.
 */
import { MobiproxError } from '../errors';
import { AdaptationStrategy, Observation } from './engine';

export interface DeviceContext {
  /** Battery level in percent, 0–100. */
  battery: number;
  charging: boolean;
  /** A user-chosen mode, e.g. "saver" or "accurate". */
  mode: string;
}

/** Every condition given must hold; an absent condition matches anything. */
export interface ContextRule {
  /** Matches when battery < batteryBelow. */
  batteryBelow?: number;
  /** Matches when battery ≥ batteryAtLeast. */
  batteryAtLeast?: number;
  charging?: boolean;
  mode?: string;
  /** Allowed index range, inclusive; indices past the last configuration mean the last one. */
  min: number;
  max: number;
}

export function ruleMatches(rule: ContextRule, c: DeviceContext): boolean {
  return (rule.batteryBelow === undefined || c.battery < rule.batteryBelow) &&
    (rule.batteryAtLeast === undefined || c.battery >= rule.batteryAtLeast) &&
    (rule.charging === undefined || c.charging === rule.charging) &&
    (rule.mode === undefined || c.mode === rule.mode);
}

export class ContextRules implements AdaptationStrategy {
  private readonly rules: ContextRule[];

  constructor(private readonly inner: AdaptationStrategy, rules: ContextRule[], private readonly count: number) {
    this.rules = rules.map((r, n) => {
      const last = count - 1;
      const min = Math.min(r.min, last);
      const max = Math.min(r.max, last);
      if (!Number.isInteger(r.min) || !Number.isInteger(r.max) || r.min < 0 || r.min > r.max) {
        throw new MobiproxError(`Context rule ${n + 1} allows [${r.min}, ${r.max}]; it needs whole indices with 0 ≤ min ≤ max.`, { value: r });
      }
      return { ...r, min, max };
    });
  }

  get index(): number {
    return this.inner.index;
  }

  get warning(): string | undefined {
    return this.inner.warning;
  }

  /** Applies the first matching rule's range (all configurations if none matches); returns the index. */
  setContext(context: DeviceContext): number {
    const rule = this.rules.find((r) => ruleMatches(r, context));
    return rule ? this.inner.restrict(rule.min, rule.max) : this.inner.restrict(0, this.count - 1);
  }

  next(observation: Observation): number {
    return this.inner.next(observation);
  }

  restrict(min: number, max: number): number {
    return this.inner.restrict(min, max);
  }
}
