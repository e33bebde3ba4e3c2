/**
 * Messages between the extension host and the strategy timeline panel: which configuration an adaptation
 * strategy chose at each sample of a trace, where its prediction was wrong, and the inference time it saved.
 * Both sides import this file; types and a message guard only.
 */

export interface TimelineConfiguration {
  name: string;
  /** Relative cost (exact = 1). */
  cost: number;
}

export interface TimelineTrace {
  name: string;
  /** Configuration index chosen at each sample. */
  index: number[];
  /** Samples whose prediction was wrong under the chosen configuration. */
  mistakes: number[];
  /** Σ (1 − cost) up to each sample: exact inferences saved so far. */
  cumulativeSaving: number[];
  accuracy: number;
  loss: number;
  relativeCost: number;
  switches: number;
}

export interface TimelineView {
  /** The profiled set, as the user knows it. */
  file: string;
  /** The strategy in words, "budget 0.7 (slack 2)". */
  strategy: string;
  configurations: TimelineConfiguration[];
  traces: TimelineTrace[];
  /** What the user should know: the strategy's warnings (a budget no configuration fits) and notes on the trace; shown as warnings. */
  warnings?: string[];
}

export type HostMessage = { type: 'show'; view: TimelineView };

export type WebviewMessage = { type: 'ready' };

export function isWebviewMessage(value: unknown): value is WebviewMessage {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'ready';
}

/** What the page keeps across reloads; the serializer repaints from it. */
export interface TimelineState {
  view?: TimelineView;
  /** The trace shown. */
  trace: number;
}
