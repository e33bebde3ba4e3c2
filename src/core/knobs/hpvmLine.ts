import { MobiproxError } from '../errors';
import { knob } from './catalog';

/**
 * One layer line of an ApproxTuner/HPVM configuration (DESIGN.md §4): `index gpu (op knob_name knob_id)+`,
 * one knob per slot in slot order.
 */
export function formatHpvmLayerLine(layer: { index: number; slots: readonly { op: string }[] }, knobs: readonly number[]): string {
  if (knobs.length !== layer.slots.length) {
    throw new MobiproxError(`Layer ${layer.index} has ${layer.slots.length} slots but ${knobs.length} knobs were given.`, {
      value: knobs,
    });
  }
  const parts = layer.slots.flatMap((s, i) => [s.op, knob(knobs[i]).name, String(knobs[i])]);
  return [String(layer.index), 'gpu', ...parts].join(' ');
}
