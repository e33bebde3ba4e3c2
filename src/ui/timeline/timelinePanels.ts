import * as vscode from 'vscode';
import { HostMessage, isWebviewMessage, TimelineState, TimelineView } from '../protocol/timeline';
import { webviewHtml, webviewRoot } from '../webviewHtml';

export const TIMELINE_VIEW_TYPE = 'mobiprox.timeline';

/**
 * Strategy timeline panels. A simulation is cheap to show and costly to redo (it needs the labels and the
 * strategy it ran with), so a panel restored after a reload shows the view its page saved.
 */
export class TimelinePanels implements vscode.WebviewPanelSerializer<TimelineState> {
  constructor(private readonly extensionUri: vscode.Uri) {}

  show(view: TimelineView): void {
    const panel = vscode.window.createWebviewPanel(TIMELINE_VIEW_TYPE, 'Timeline', vscode.ViewColumn.Active, this.options());
    this.attach(panel, view);
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: TimelineState | undefined): Promise<void> {
    if (!state?.view) {
      panel.dispose();
      return;
    }
    panel.webview.options = this.options();
    this.attach(panel, state.view);
  }

  private options(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return { enableScripts: true, localResourceRoots: [webviewRoot(this.extensionUri)] };
  }

  private attach(panel: vscode.WebviewPanel, view: TimelineView): void {
    panel.title = `Timeline: ${view.strategy}`;
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'icons', 'mobiprox.svg');
    panel.webview.html = webviewHtml(panel.webview, this.extensionUri, {
      title: panel.title,
      name: 'timeline',
    });
    const message: HostMessage = { type: 'show', view };
    const received = panel.webview.onDidReceiveMessage((m: unknown) => {
      if (isWebviewMessage(m)) void panel.webview.postMessage(message);
    });
    panel.onDidDispose(() => received.dispose());
  }
}
