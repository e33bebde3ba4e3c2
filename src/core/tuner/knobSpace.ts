/**
 * What the tuner chooses: one knob per layer, for the layer's main op. The layer's other slots (a fused
 * bias add, activation, …) follow the main knob's precision: every slot of a layer whose knob computes in
 * half precision takes fp16 (12), otherwise fp32 (11); non-convolution layers choose between 11 and 12.
 */
import { LayerInfo } from '../compile';
import { EXACT_KNOB, HALF_KNOB, knob } from '../knobs/catalog';
import { Configuration, ConfigurationFile, SlotKnob, formatHpvm } from '../knobs/configuration';

/** The knob of a layer's other slots when its main op takes `main`. */
export const followerKnob = (main: number): number => (knob(main).half ? HALF_KNOB : EXACT_KNOB);

/** The slots of one layer when its main op takes `main` (an int8 knob with the layer's calibrated quantisation). */
export function layerSlots(layer: LayerInfo, main: number): SlotKnob[] {
  const k = knob(main);
  const rest = followerKnob(main);
  if (k.int8 && !layer.quant) throw new Error(`layer ${layer.index} (${layer.name}) takes int8 knob ${main} without a calibrated input quantisation.`);
  return layer.slots.map((s, i) => (i === 0 && k.int8 ? { op: s.op, knob: main, quant: layer.quant } : { op: s.op, knob: i === 0 ? main : rest }));
}

/** One knob per layer → the configuration's slot knobs, layer 1 first. */
export function configurationLayers(layers: readonly LayerInfo[], choice: readonly number[]): SlotKnob[][] {
  return layers.map((l, i) => layerSlots(l, choice[i]));
}

export const exactChoice = (layers: readonly LayerInfo[]): number[] => layers.map(() => EXACT_KNOB);

/** A choice with one layer changed: the single-knob configurations the predictors are built from. */
export function singleKnobChoice(layers: readonly LayerInfo[], layer: number, k: number): number[] {
  const c = exactChoice(layers);
  c[layer] = k;
  return c;
}

export const choiceKey = (choice: readonly number[]): string => choice.join(',');

/** The HPVM text the runtime loads: the exact conf0, then the choices, so choice i is runtime index i + 1. */
export function choicesToHpvm(layers: readonly LayerInfo[], choices: readonly (readonly number[])[]): string {
  const configurations: Configuration[] = [exactChoice(layers), ...choices].map((choice, i) => ({
    name: `c${i}`, speedup: 1, energy: 1, accuracy: 0, qosLoss: 0, layers: configurationLayers(layers, choice),
  }));
  const file: ConfigurationFile = { baselineTime: 0, configurations };
  return formatHpvm(file);
}
