import { CompiledModel, LayerInfo } from '../../core/compile';
import { EXACT_KNOB, knob, Knob } from '../../core/knobs/catalog';
import { formatFlops, formatShape, formatSpeedup } from '../format';

/**
 * The Model view's content as plain data (the TreeDataProvider only maps it to TreeItems): one node per
 * layer, and under it one node per knob its main op takes, with the layer's FLOPs under that knob as the
 * cost model counts them (src/core/DESIGN.md §3) and the knob's nominal speedup.
 */
export interface KnobNode {
  kind: 'knob';
  /** The layer's 1-based index. */
  layer: number;
  knob: number;
  label: string;
  description: string;
  tooltip: string;
  /** Cost-model FLOPs of the layer when its main op takes this knob. */
  flops: number;
  nominalSpeedup: number;
  /** The knob chosen for this layer in the composed configuration (exact when none was chosen). */
  chosen: boolean;
}

export interface LayerNode {
  kind: 'layer';
  index: number;
  label: string;
  description: string;
  tooltip: string;
  knobs: KnobNode[];
}

export function buildModelTree(model: CompiledModel, choice: ReadonlyMap<number, number> = new Map()): LayerNode[] {
  return model.layers.map((layer) => ({
    kind: 'layer',
    index: layer.index,
    label: `${layer.index} ${layer.op}`,
    description: `${formatFlops(layer.flops)} · ${layer.knobs.length} knob${layer.knobs.length === 1 ? '' : 's'} · ${layer.name}`,
    tooltip:
      `${layer.name} (${layer.slots.map((s) => s.op).join(' + ')})\n` +
      `output ${formatShape(layer.outputShape)} per sample\n${formatFlops(layer.flops)} per sample (exact)`,
    knobs: layer.knobs.map((id) => knobNode(layer, knob(id), (choice.get(layer.index) ?? EXACT_KNOB) === id)),
  }));
}

/** Cost-model FLOPs of a layer whose main op takes `k`: the main step divided by the knob's speedup, the
 * fused steps (bias, activation) unchanged since they stay exact. */
export function layerFlopsWithKnob(layer: LayerInfo, k: Knob): number {
  const [main, ...fused] = layer.slots;
  return main.flops / k.nominalSpeedup + fused.reduce((s, x) => s + x.flops, 0);
}

function knobNode(layer: LayerInfo, k: Knob, chosen: boolean): KnobNode {
  const flops = layerFlopsWithKnob(layer, k);
  return {
    kind: 'knob',
    layer: layer.index,
    knob: k.id,
    label: `${k.id} ${k.name}`,
    description: `${formatSpeedup(k.nominalSpeedup)} · ${formatFlops(flops)}${knobParameters(k)}`,
    tooltip:
      `${knobMeaning(k)}\nnominal speedup ${formatSpeedup(k.nominalSpeedup)} (cost model; measured speedups replace it)\n` +
      `layer ${formatFlops(flops)} per sample with this knob`,
    flops,
    nominalSpeedup: k.nominalSpeedup,
    chosen,
  };
}

function knobParameters(k: Knob): string {
  if (k.perforation) return ` · ${k.perforation.direction} stride ${k.perforation.stride} offset ${k.perforation.offset}`;
  if (k.sampling) return ` · stride ${k.sampling.stride} offset ${k.sampling.offset}`;
  return '';
}

function knobMeaning(k: Knob): string {
  const precision = k.half ? 'binary16' : k.int8 ? 'int8' : 'fp32';
  if (k.perforation) {
    const what = k.perforation.direction === 'row' ? 'rows' : 'columns';
    return `Perforated convolution (${precision}): skips output ${what} ${k.perforation.offset}, ${k.perforation.offset}+${k.perforation.stride}, … and interpolates them`;
  }
  if (k.sampling) return `Filter sampling (${precision}): drops every ${k.sampling.stride}th filter element from ${k.sampling.offset}`;
  if (k.int8) return '8-bit integer convolution (input quantised with the scale the tuner calibrates, int32 sums)';
  return k.id === EXACT_KNOB ? 'Exact (fp32)' : 'Half precision (binary16 operands and results)';
}
