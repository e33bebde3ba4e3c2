import { CompiledModel } from '../../core/compile';
import { EXACT_KNOB, knob } from '../../core/knobs/catalog';
import { layerFlopsWithKnob } from './modelTree';

/** Knobs chosen per layer in the Model view, by 1-based layer index; layers not in it stay exact. */
export type KnobChoice = ReadonlyMap<number, number>;

/** Choosing a layer's knob again clears it back to exact; choosing exact clears it too. */
export function toggleKnob(choice: KnobChoice, layer: number, knobId: number): KnobChoice {
  const next = new Map(choice);
  if (next.get(layer) === knobId || knobId === EXACT_KNOB) next.delete(layer);
  else next.set(layer, knobId);
  return next;
}

export interface CompositionSummary {
  approximated: number;
  /** Cost-model FLOPs per sample of the composed configuration. */
  flops: number;
  /** Exact FLOPs over composed FLOPs: the cost model's speedup (measured speedups come from tuning). */
  nominalSpeedup: number;
}

export function summarizeComposition(model: CompiledModel, choice: KnobChoice): CompositionSummary {
  let flops = 0;
  for (const layer of model.layers) {
    const id = choice.get(layer.index);
    flops += id === undefined ? layer.flops : layerFlopsWithKnob(layer, knob(id));
  }
  return { approximated: choice.size, flops, nominalSpeedup: flops > 0 ? model.totalFlops / flops : 1 };
}
