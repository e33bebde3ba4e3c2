import * as vscode from 'vscode';
import { RunLog } from './runLog';
import { RunConfigurationNode, RunNode, runNodes } from './runTree';

type Node = RunNode | RunConfigurationNode;

const STATUS_ICON: Record<RunNode['status'], string> = { running: 'sync~spin', done: 'pass', cancelled: 'circle-slash', failed: 'error' };

/** The Runs view: tunings and profilings, newest first; clicking one opens its Pareto plot. */
export function createRunsView(runs: RunLog): vscode.Disposable {
  const changed = new vscode.EventEmitter<void>();
  let nodes = runNodes(runs.all);
  const provider: vscode.TreeDataProvider<Node> = {
    onDidChangeTreeData: changed.event,
    getChildren: (node) => (!node ? nodes : node.kind === 'run' ? node.children : []),
    getTreeItem: (node) => {
      const item = new vscode.TreeItem(
        node.label,
        node.kind === 'run' && node.children.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
      );
      item.id = node.id;
      item.description = node.description;
      item.contextValue = node.kind;
      if (node.kind === 'run') {
        item.tooltip = node.tooltip;
        item.iconPath = new vscode.ThemeIcon(STATUS_ICON[node.status]);
      } else {
        item.iconPath = new vscode.ThemeIcon('circle-small-filled');
      }
      if (node.configs) {
        const configs = node.configs;
        item.command = {
          command: 'mobiprox.showParetoPlot',
          title: 'Show Pareto Plot',
          arguments: [{ configs, ...(node.kind === 'configuration' ? { select: node.label } : {}) }],
        };
      }
      return item;
    },
  };
  const view = vscode.window.createTreeView('mobiprox.runs', { treeDataProvider: provider });
  // The ages in the descriptions ("3 min ago") are redrawn now and then, not only when a run changes.
  const redraw = (): void => {
    nodes = runNodes(runs.all);
    changed.fire();
  };
  const timer = setInterval(redraw, 60_000);
  return vscode.Disposable.from(changed, view, runs.onChange(redraw), { dispose: () => clearInterval(timer) });
}
