/** The page side of a webview's channel to the extension host, typed by the webview's protocol. */
export interface VsCodeApi<State, Message> {
  postMessage(message: Message): void;
  getState(): State | undefined;
  setState(state: State): void;
}

declare function acquireVsCodeApi(): VsCodeApi<unknown, unknown>;

/** acquireVsCodeApi may be called once per page: call this once, at start. */
export function vscodeApi<State, Message>(): VsCodeApi<State, Message> {
  return acquireVsCodeApi() as VsCodeApi<State, Message>;
}
