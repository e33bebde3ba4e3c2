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
}

/** Why a model could not be shown: the importer's sentence, and the graph node at fault if it named one. */
export interface ImportFailure {
  file: string;
  message: string;
  node?: string;
}

export type HostMessage =
  | { type: 'overview'; overview: ModelOverview }
  | { type: 'importFailed'; failure: ImportFailure };

export type WebviewMessage =
  /** The page's script is listening: the host (re)sends what it has. */
  { type: 'ready' };

/** Messages from the page are untrusted input: check their shape before acting on them. */
export function isWebviewMessage(value: unknown): value is WebviewMessage {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'ready';
}

/** What the page keeps across reloads (vscode.getState/setState). */
export interface ModelOverviewState {
  /** The last message received, to paint at once while the host compiles again. */
  last?: HostMessage;
  /** The FLOPs chart's y axis. */
  logScale: boolean;
}
