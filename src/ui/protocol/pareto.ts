/**
 * Messages between the extension host and the Pareto panel (speedup against QoS loss of a configuration set).
 * Both sides import this file; types and a message guard only, so the webview bundle pulls in nothing else.
 */

/** Where a series' figures come from: the tuner's cost model and QoS predictor, a host run, a device run. */
export type SeriesKind = 'predicted' | 'host' | 'device';

export interface ParetoPoint {
  /** The configuration's name (conf0 is the exact one). */
  name: string;
  speedup: number;
  /** Accuracy points below the exact configuration. */
  qosLoss: number;
  accuracy: number;
  /** The approximated layers in words: "layer 2: row perforation ×2 offset 1, fp32 (123)" or "exact". */
  knobSummary: string;
  /** 95 % interval of the speedup, [low, high]: measured series only, and not in sets written before intervals. */
  speedupInterval?: [number, number];
  /** 95 % interval of the QoS loss in points, [low, high], likewise. */
  qosLossInterval?: [number, number];
  /** What the intervals say when it matters: "not faster", "loss within noise". */
  notes?: string[];
}

export interface ParetoSeries {
  kind: SeriesKind;
  label: string;
  points: ParetoPoint[];
  /** Names of the points on this series' frontier, by increasing loss (and speedup). */
  frontier: string[];
}

/** One layer of a configuration, for the table shown when a point is clicked. */
export interface LayerKnobRow {
  layer: number;
  /** Ops of the layer's slots, "conv + add + relu". */
  ops: string;
  /** The main op's knob in words with its id, "column perforation ×2 offset 0, fp32 (121)". */
  knob: string;
  approximated: boolean;
}

export interface ConfigurationDetail {
  name: string;
  layers: LayerKnobRow[];
}

export interface ParetoView {
  /** The configuration set's file (absolute): what actions and a restored panel read. */
  file: string;
  /** The same as the user knows it (workspace-relative when possible). */
  label: string;
  model: string;
  /** A tuning that was cancelled wrote only the configurations validated until then. */
  partial: boolean;
  series: ParetoSeries[];
  configurations: ConfigurationDetail[];
}

/** Two configurations side by side, measured on the host (core/runtime/compareConfigurations.ts). */
export interface ComparisonView {
  names: [string, string];
  samples: number;
  accuracy: [number, number];
  totalMs: [number, number];
  layers: { layer: number; ops: string; knobs: [string, string]; ms: [number, number] }[];
  classes: { label: number; samples: number; accuracy: [number, number] }[];
}

/** `detail`: a configuration to show the knob table of (e.g. clicked in the Runs view). */
export type ShowMessage = { type: 'show'; view: ParetoView; detail?: string };

/**
 * The panel's status line: what an action started from the panel (Compare, Measure, Profile) is doing, what it
 * gave or why it failed, in place of notifications stacking over the panel.
 */
export interface PanelStatus {
  state: 'running' | 'done' | 'failed' | 'cancelled';
  text: string;
  /** While running: 0 to 1 of the work, when known. */
  fraction?: number;
}

export type HostMessage = ShowMessage | { type: 'comparison'; comparison: ComparisonView } | { type: 'status'; status: PanelStatus };

export type PointAction = 'profile' | 'bundle' | 'compare';

export type WebviewMessage =
  /** The page listens: the host (re)sends the view. */
  | { type: 'ready' }
  /** The user cancels the running action of the status line. */
  | { type: 'cancel' }
  /** The user asks to profile or to bundle the selected configurations. */
  | { type: PointAction; file: string; names: string[] };

export function isWebviewMessage(value: unknown): value is WebviewMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as { type?: unknown; file?: unknown; names?: unknown };
  if (m.type === 'ready' || m.type === 'cancel') return true;
  return (
    (m.type === 'profile' || m.type === 'bundle' || m.type === 'compare') &&
    typeof m.file === 'string' &&
    Array.isArray(m.names) &&
    m.names.every((n) => typeof n === 'string')
  );
}

/** What the page keeps across reloads; the serializer reopens the panel from `view.file`. */
export interface ParetoState {
  view?: ParetoView;
  /** Names of the selected configurations. */
  selected: string[];
  /** The configuration whose knob table is shown. */
  detail?: string;
  /** The last comparison of two selected configurations. */
  comparison?: ComparisonView;
  status?: PanelStatus;
}
