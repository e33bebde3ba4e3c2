/**
 * Progress of the core's long work as the notification shows it: a sentence and the fraction done. Plain
 * functions of the core's progress events, so that the wording and the arithmetic are tested without VS Code.
 */
import { DeviceProfileProgress } from '../core/device/profile';
import { TuneProgress, TunePhase } from '../core/tuner/tune';

export interface ProgressStep {
  message: string;
  /** 0 to 1 of the whole work. */
  fraction: number;
}

/** The share of a tuning's time each phase takes, roughly: validation dominates. */
const TUNE_PHASES: { phase: TunePhase; text: string; weight: number }[] = [
  { phase: 'prepare', text: 'Preparing the data', weight: 0.02 },
  { phase: 'calibrate', text: 'Timing the knobs', weight: 0.13 },
  { phase: 'profile', text: 'Single-knob profiles', weight: 0.25 },
  { phase: 'search', text: 'Searching', weight: 0.1 },
  { phase: 'validate', text: 'Validating candidates', weight: 0.4 },
  { phase: 'test', text: 'Held-out test set', weight: 0.08 },
  { phase: 'write', text: 'Writing the configurations', weight: 0.02 },
];

export function tuneProgressStep(p: TuneProgress): ProgressStep {
  const at = TUNE_PHASES.findIndex((x) => x.phase === p.phase);
  const before = TUNE_PHASES.slice(0, at).reduce((s, x) => s + x.weight, 0);
  const within = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
  const { text, weight } = TUNE_PHASES[at];
  return { message: p.total > 1 ? `${text} (${p.done}/${p.total})` : text, fraction: before + weight * within };
}

export function profileProgressStep(p: DeviceProfileProgress): ProgressStep {
  return { message: `${p.message} (${p.completed}/${p.total})`, fraction: p.total > 0 ? Math.min(1, p.completed / p.total) : 0 };
}

/**
 * VS Code's progress takes increments, not positions: this turns positions into increments in percent, never
 * negative (a phase reporting a smaller total than it will reach must not move the bar backwards).
 */
export class ProgressIncrements {
  private reported = 0;

  next(step: ProgressStep): { message: string; increment: number } {
    const percent = Math.max(this.reported, Math.min(100, step.fraction * 100));
    const increment = percent - this.reported;
    this.reported = percent;
    return { message: step.message, increment };
  }
}
