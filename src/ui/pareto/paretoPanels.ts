import * as path from 'node:path';
import * as vscode from 'vscode';
import { readConfigurationSet } from '../../core/knobs/configurationSet';
import { ComparisonView, isWebviewMessage, PanelStatus, ParetoState, PointAction, ShowMessage } from '../protocol/pareto';
import { webviewHtml, webviewRoot } from '../webviewHtml';
import { paretoView, pointActionFile } from './paretoView';

export const PARETO_VIEW_TYPE = 'mobiprox.pareto';

/**
 * The Pareto panels, one per configuration set. A panel reads its set when shown and again when VS Code
 * restores it after a reload (the serializer gets the page's saved state, which names the file); the page
 * keeps its selection and open knob table itself.
 */
export class ParetoPanels implements vscode.WebviewPanelSerializer<ParetoState>, vscode.Disposable {
  private readonly panels = new Map<string, vscode.WebviewPanel>();
  /** What each panel shows: sent again when its page (re)loads and asks. */
  private readonly shown = new Map<vscode.WebviewPanel, ShowMessage>();
  /** Each set's last status line, sent again to a page that (re)loads; and how to cancel its running action. */
  private readonly statuses = new Map<string, PanelStatus>();
  private readonly cancels = new Map<string, () => void>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
    private readonly onAction: (action: PointAction, file: string, names: string[]) => void,
  ) {}

  /** Opens (or reveals and refreshes) the panel of `file`; throws the reader's error for a bad file. */
  show(file: string, detail?: string): void {
    const message = this.message(file, detail);
    let panel = this.panels.get(file);
    if (!panel) {
      panel = vscode.window.createWebviewPanel(PARETO_VIEW_TYPE, 'Pareto', vscode.ViewColumn.Active, this.options());
      this.attach(panel, file, message);
    } else {
      panel.reveal();
      this.shown.set(panel, message);
      void panel.webview.postMessage(message);
    }
  }

  isOpen(file: string): boolean {
    return this.panels.has(file);
  }

  /** Sets the status line of the panel of `file`; `cancel`, while running, is what its Cancel button does. */
  status(file: string, status: PanelStatus, cancel?: () => void): void {
    this.statuses.set(file, status);
    if (cancel) this.cancels.set(file, cancel);
    else this.cancels.delete(file);
    void this.panels.get(file)?.webview.postMessage({ type: 'status', status });
  }

  /** Shows a comparison in the panel of `file`, if it is open. */
  showComparison(file: string, comparison: ComparisonView): void {
    const panel = this.panels.get(file);
    if (panel) void panel.webview.postMessage({ type: 'comparison', comparison });
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: ParetoState | undefined): Promise<void> {
    const file = state?.view?.file;
    if (!file) {
      panel.dispose();
      return;
    }
    panel.webview.options = this.options();
    let message: ShowMessage;
    try {
      message = this.message(file);
    } catch (e) {
      // The file is gone or broken: the page still shows what it showed, from its own state.
      this.log.warn(`Pareto panel of ${file} restored from its saved state: ${(e as Error).message}`);
      message = { type: 'show', view: state!.view! };
    }
    this.attach(panel, file, message);
  }

  private message(file: string, detail?: string): ShowMessage {
    const view = paretoView(readConfigurationSet(file), file, vscode.workspace.asRelativePath(file));
    return { type: 'show', view, ...(detail ? { detail } : {}) };
  }

  private options(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return { enableScripts: true, retainContextWhenHidden: false, localResourceRoots: [webviewRoot(this.extensionUri)] };
  }

  private attach(panel: vscode.WebviewPanel, file: string, message: ShowMessage): void {
    // one panel per set: the tuned and the profiled set of a model are told apart by their files
    panel.title = `Pareto: ${path.basename(file, '.json')}`;
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'icons', 'mobiprox.svg');
    panel.webview.html = webviewHtml(panel.webview, this.extensionUri, {
      title: panel.title,
      name: 'pareto',
    });
    this.panels.set(file, panel);
    this.shown.set(panel, message);
    const received = panel.webview.onDidReceiveMessage((m: unknown) => {
      if (!isWebviewMessage(m)) return;
      if (m.type === 'ready') {
        const shown = this.shown.get(panel)!;
        void panel.webview.postMessage(shown);
        // A knob table asked for is opened once: a page reloaded later keeps the one the user chose since.
        this.shown.set(panel, { type: 'show', view: shown.view });
        const status = this.statuses.get(file);
        if (status) void panel.webview.postMessage({ type: 'status', status });
      } else if (m.type === 'cancel') {
        this.cancels.get(file)?.();
      } else {
        // The page names the file it acts on: only its own panel's set is acted on.
        const target = pointActionFile(m.type, m.file, file);
        if ('refused' in target) this.log.warn(target.refused);
        else this.onAction(m.type, target.file, m.names);
      }
    });
    panel.onDidDispose(() => {
      received.dispose();
      this.shown.delete(panel);
      if (this.panels.get(file) === panel) this.panels.delete(file);
    });
  }

  dispose(): void {
    for (const p of this.panels.values()) p.dispose();
  }
}
