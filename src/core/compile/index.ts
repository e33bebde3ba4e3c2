import { applicableKnobs } from '../knobs/catalog';
import { Quant } from '../knobs/configuration';
import { Graph, Node, attrInts } from '../onnx/graph';
import { loadOnnx } from '../onnx/load';
import { runImportPasses } from '../onnx/passes';
import { slotFlops } from './flops';
import { formLayers } from './layers';
import { ModelGraph, describeGraph } from './modelGraph';
import { lowerGraph } from './lower';
import { writeMpxm } from './mpxm';
import { OpType } from './formatTable';
import { Program, Slot } from './program';

export interface LayerSlotInfo {
  /** HPVM op name (conv, add, relu, pool_max, …). */
  op: string;
  /** The ONNX node the step came from. */
  node: string;
  /** Per-sample FLOPs of this step (the cost model's unit). */
  flops: number;
}

export interface LayerInfo {
  /** 1-based, the HPVM configuration line number. */
  index: number;
  /** The ONNX node of the layer's main op. */
  name: string;
  /** HPVM name of the main op: conv, group_conv, mul, add, relu, pool_max, softmax, … */
  op: string;
  slots: LayerSlotInfo[];
  /** Per-sample shape of the layer's result. */
  outputShape: number[];
  flops: number;
  /** Knob ids the main slot takes, ascending; the other slots take 11 and 12. */
  knobs: number[];
  /** The int8 knobs' input quantisation, once calibrated on data (tuner/int8Calibration.ts). */
  quant?: Quant;
}

/**
 * Where the channels of the model's input are, as an axis of [N, ...samples]: 1 (ONNX's channels-first
 * convention), or the last axis when the model transposes a channels-last input to channels-first (as
 * Keras/TensorFlow exports do; that node is named), or when it takes an image [H, W, C] of a few channels
 * without moving them (a model that flattens the image first).
 */
export interface InputLayout {
  channelAxis: number;
  channelsLast: boolean;
  transposedBy?: string;
}

export interface CompiledModel {
  name: string;
  inputName: string;
  /** Per sample, e.g. [9, 128]. */
  inputShape: number[];
  inputLayout: InputLayout;
  outputNames: string[];
  outputShapes: number[][];
  endsWithSoftmax: boolean;
  layers: LayerInfo[];
  totalFlops: number;
  /** The nodes the runtime runs and the tensors between them (modelGraph.ts). */
  graph: ModelGraph;
  mpxm: Buffer;
}

/** Imports an ONNX model (a path or its bytes), compiles it to .mpxm and describes its layers and knobs. */
export function compileModel(source: string | Uint8Array, options: { name?: string } = {}): CompiledModel {
  const graph = runImportPasses(loadOnnx(source, options.name));
  const lowered = lowerGraph(graph);
  const program: Program = { ...lowered, layers: formLayers(graph, lowered.ops) };
  const layers = program.layers.map((slots, i) => describeLayer(program, slots, i + 1));
  const firstOutput = program.tensors[program.outputs[0]].name;
  return {
    name: graph.name,
    inputName: graph.input,
    inputShape: graph.shape(graph.input),
    inputLayout: inputLayout(graph),
    outputNames: [...graph.outputs],
    outputShapes: graph.outputs.map((v) => graph.shape(v)),
    endsWithSoftmax: producerType(program, firstOutput) === OpType.SOFTMAX,
    layers,
    totalFlops: layers.reduce((s, l) => s + l.flops, 0),
    graph: describeGraph(graph, program.layers),
    mpxm: writeMpxm(program),
  };
}

/** Ops that keep each element where it is: between a channels-last input and its Transpose (a Keras
 * export rescales or normalizes before it moves the channels) they leave the layout as it is. */
const KEEPS_LAYOUT = new Set(['Add', 'Sub', 'Mul', 'Div', 'Relu', 'LeakyRelu', 'Clip', 'Sigmoid', 'Tanh', 'Identity', 'Cast', 'mpx.Affine']);

/** Ops that read axis 1 as the channels. */
const READS_CHANNELS_FIRST = new Set(['Conv', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'BatchNormalization']);

/** Channels-last when every path from the input reaches a Transpose moving its last axis to 1
 * ([N, ..., C] → [N, C, ...]) through element-wise ops only, or when the input is an image of a few
 * channels last that no op reads as channels-first. */
function inputLayout(graph: Graph): InputLayout {
  const rank = graph.shape(graph.input).length + 1;
  const toChannelsFirst = (n: Node) => {
    if (n.op !== 'Transpose' || n.attrs.perm === undefined) return false;
    const perm = attrInts(n, 'perm');
    return perm.length === rank && perm[0] === 0 && perm[1] === rank - 1 && perm.slice(2).every((a, i) => a === i + 1);
  };
  /** The first nodes past the element-wise ones on the paths from `value`; undefined for a path that ends. */
  const reached = (value: string): (Node | undefined)[] => {
    const readers = graph.consumers(value);
    const ends = readers.length === 0 || graph.outputs.includes(value) ? [undefined] : [];
    return [...ends, ...readers.flatMap((n) => {
      const keeps = KEEPS_LAYOUT.has(n.op) && n.inputs.every((v) => v === value || v === '' || graph.isConstant(v)) &&
        sameShape(graph.shape(n.outputs[0]), graph.shape(value));
      return keeps ? reached(n.outputs[0]) : [n];
    })];
  };
  const nodes = reached(graph.input);
  if (rank >= 3 && nodes.every((n) => n && toChannelsFirst(n))) return { channelAxis: rank - 1, channelsLast: true, transposedBy: nodes[0]!.name };
  const sample = graph.shape(graph.input);
  const fewLast = sample.length === 3 && sample[2] <= 4 && sample[0] > 4;
  if (fewLast && !nodes.some((n) => n && (READS_CHANNELS_FIRST.has(n.op) || toChannelsFirst(n)))) return { channelAxis: rank - 1, channelsLast: true };
  return { channelAxis: 1, channelsLast: false };
}

const sameShape = (a: number[], b: number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/** The type of the op computing `value`, looking through reshapes (a Softmax may be flattened after). */
function producerType(program: Program, value: string): OpType | undefined {
  const op = program.ops.find((o) => program.tensors[o.outputs[0]].name === value);
  return op?.type === OpType.RESHAPE ? producerType(program, program.tensors[op.inputs[0]].name) : op?.type;
}

function describeLayer(program: Program, slots: Slot[], index: number): LayerInfo {
  const main = slots[0];
  const op = program.ops[main.op];
  const last = program.ops[slots[slots.length - 1].op];
  const slotInfo = slots.map((s) => ({ op: s.kind, node: s.node, flops: slotFlops(program, s) }));
  const convolution = op.type === OpType.CONV;
  const out = program.tensors[op.outputs[0]].dims;
  const filterDims = convolution ? program.tensors[op.inputs[1]].dims : [];
  return {
    index,
    name: main.node,
    op: main.kind,
    slots: slotInfo,
    outputShape: [...program.tensors[last.outputs[0]].dims],
    flops: slotInfo.reduce((s, x) => s + x.flops, 0),
    knobs: applicableKnobs({
      op: main.kind,
      part: main.part,
      outputHeight: convolution ? out[1] : undefined,
      outputWidth: convolution ? out[2] : undefined,
      filterElements: convolution ? filterDims[1] * filterDims[2] * filterDims[3] : undefined,
    }),
  };
}

