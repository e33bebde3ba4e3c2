/** Words for the tables and hovers: what a measurement's intervals say about it. */
import { Measurement } from '../knobs/configurationSet';
import { Timing } from '../runtime/mpxrun';
import { notFaster, withinNoise } from './intervals';

/** "not faster" when the speedup interval reaches 1; "loss within noise" when the loss interval holds 0. */
export function measurementNotes(m: Measurement): string[] {
  const notes: string[] = [];
  if (m.timing && notFaster(m.timing.speedup)) notes.push('not faster');
  if (m.qosLossInterval && withinNoise({ estimate: m.qosLoss, low: m.qosLossInterval[0], high: m.qosLossInterval[1] })) notes.push('loss within noise');
  return notes;
}

/** One line on how the figures were measured, for the foot of a table. */
export function timingSummary(t: Timing | undefined): string {
  if (!t) return 'timing: not measured';
  return `timing: ${t.clock} clock, all configurations in ${t.rounds} interleaved rounds, 95 % intervals` +
    `${t.converged ? '' : ' (time cap reached before ±2 %)'}; ${t.cpu}, ${t.kernels} kernels`;
}
