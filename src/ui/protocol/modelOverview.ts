/**
 * Messages between the extension host and the model overview webview (the custom editor for *.onnx).
 * Both sides import this file: a renamed field fails to compile on the side that still uses the old name.
 * Types only, so that the webview bundle pulls in nothing from the host.
 */

/** One row of the layers table and one bar of the FLOPs chart. */
export interface LayerRow {
  /** 1-based, the HPVM configuration line number. */
  index: number;
  /** The ONNX node of the layer's main op. */
  name: string;
  /** HPVM op name: conv, group_conv, mul, add, relu, pool_max, softmax, … */
  op: string;
  /** Per-sample shape of the layer's result. */
  outputShape: number[];
  /** Per-sample FLOPs of every step of the layer (cost model). */
  flops: number;
  /** Knob ids the layer's main op takes, ascending. */
  knobs: number[];
  /** The same ids written compactly: "11 12 121-138 151-168". */
  knobSummary: string;
}

/** A node of the graph the runtime runs (core/compile/modelGraph.ts). */
export interface GraphNodeView {
  name: string;
  op: string;
  fused: string[];
  attrs: Record<string, string>;
  outputShape: number[];
  layer?: number;
}

/** A tensor between two nodes; −1 is the model's input (from) or an output (to). */
export interface GraphEdgeView {
  from: number;
  to: number;
  shape: number[];
}

export interface ModelOverview {
  /** Workspace-relative path (or file name) of the .onnx file. */
  file: string;
  name: string;
  inputName: string;
  inputShape: number[];
  outputNames: string[];
  outputShapes: number[][];
  endsWithSoftmax: boolean;
  totalFlops: number;
  layers: LayerRow[];
  graph: { nodes: GraphNodeView[]; edges: GraphEdgeView[] };
}

/** Why a model could not be shown: the importer's sentence, and the graph node at fault if it named one. */
export interface ImportFailure {
  file: string;
  message: string;
  node?: string;
}

/** One layer's measured time on the host (core/runtime/layerTimes.ts). */
export interface MeasuredLayer {
  layer: number;
  /** Milliseconds per sample. */
  ms: number;
  /** Shares of the model's time and of its FLOPs, 0..1. */
  share: number;
  flopsShare: number;
  /** The shares differ more than twofold: FLOPs mislead about this layer. */
  disagrees: boolean;
}

export interface MeasuredTimes {
  cpu: string;
  kernels: string;
  batch: number;
  threads: number;
  samples: number;
  /** Milliseconds per sample of the whole model, and of the steps outside any layer. */
  totalMs: number;
  otherMs: number;
  layers: MeasuredLayer[];
}

/** One knob family on one layer as measured on the host (core/tuner/knobSpeedups.ts): its best speedup, and how
 * many of its knobs the tuner offers there (those that save at least 2 % of the layer's time). */
export interface MeasuredFamily {
  name: string;
  best: number;
  offered: number;
  total: number;
}

export interface MeasuredKnobs {
  cpu: string;
  kernels: string;
  batch: number;
  threads: number;
  samples: number;
  /** Layers that take a knob, by family. */
  layers: { layer: number; families: MeasuredFamily[] }[];
}

/** The model's data configuration (`<model>.mobiprox.json`, core/data/dataConfig.ts) and how the exact model does on it. */
export interface DataSection {
  /** The configuration's file, workspace-relative. */
  file: string;
  /** Absent while the model has none. Files workspace-relative, preprocessing in words. */
  config?: { input: string; labels: string; layout: string; scale: string; mean: string; std: string; standardize: boolean };
  /** The exact model on the first samples (core/runtime/dataPreview.ts); `problem` when that is about chance. */
  preview?: { samples: number; accuracy: number; chance: number; problem?: string };
  /** Why the configuration could not be read or previewed. */
  error?: string;
}

export type HostMessage =
  | { type: 'overview'; overview: ModelOverview }
  | { type: 'data'; data: DataSection }
  | { type: 'importFailed'; failure: ImportFailure }
  | { type: 'layerTimes'; times: MeasuredTimes }
  | { type: 'layerTimesFailed'; message: string }
  | { type: 'knobSpeedups'; knobs: MeasuredKnobs }
  | { type: 'knobSpeedupsFailed'; message: string };

export type WebviewMessage =
  /** The page's script is listening: the host (re)sends what it has. */
  | { type: 'ready' }
  /** Measure each layer's time on the host. */
  | { type: 'measureLayerTimes' }
  /** Measure each knob's speedup on each layer on the host. */
  | { type: 'measureKnobSpeedups' }
  /** The user selected this layer (1-based) in the graph or the table: select it in the Model view too. */
  | { type: 'selectLayer'; layer: number }
  /** Open the data configuration to edit, or propose one from picked files when there is none. */
  | { type: 'editData' };

/** Messages from the page are untrusted input: check their shape before acting on them. */
export function isWebviewMessage(value: unknown): value is WebviewMessage {
  const type = typeof value === 'object' && value !== null ? (value as { type?: unknown }).type : undefined;
  if (type === 'selectLayer') return Number.isInteger((value as { layer?: unknown }).layer) && (value as { layer: number }).layer >= 1;
  return type === 'ready' || type === 'measureLayerTimes' || type === 'measureKnobSpeedups' || type === 'editData';
}

/** What the page keeps across reloads (vscode.getState/setState). */
export interface ModelOverviewState {
  /** The last overview or failure received, to paint at once while the host compiles again. */
  last?: HostMessage;
  /** The layer times measured for the model shown. */
  times?: MeasuredTimes;
  /** The knob speedups measured for the model shown. */
  knobs?: MeasuredKnobs;
  /** The model's data configuration and its preview. */
  data?: DataSection;
  /** The node selected in the graph (index into the overview's graph nodes). */
  selectedNode?: number;
  /** The FLOPs chart's y axis. */
  logScale: boolean;
}
