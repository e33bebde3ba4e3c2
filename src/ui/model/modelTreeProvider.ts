import * as vscode from 'vscode';
import { formatFlops } from '../format';
import { LastOpenedModel } from './lastOpenedModel';
import { buildModelTree, KnobNode, LayerNode } from './modelTree';

type Node = LayerNode | KnobNode;

/** The Model view: layers of the last opened model, each with the knob options of its main op. */
class ModelTreeProvider implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private layers: LayerNode[] = [];

  show(layers: LayerNode[]): void {
    this.layers = layers;
    this.changed.fire();
  }

  getChildren(node?: Node): Node[] {
    if (!node) return this.layers;
    return node.kind === 'layer' ? node.knobs : [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    const item = new vscode.TreeItem(
      node.label,
      node.kind === 'layer' ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
    );
    item.id = node.kind === 'layer' ? `layer/${node.index}` : `layer/${node.layer}/knob/${node.knob}`;
    item.description = node.description;
    item.tooltip = node.tooltip;
    item.contextValue = node.kind;
    item.iconPath = new vscode.ThemeIcon(node.kind === 'layer' ? 'layers' : 'symbol-numeric');
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

export function createModelView(lastModel: LastOpenedModel): vscode.Disposable {
  const provider = new ModelTreeProvider();
  const view = vscode.window.createTreeView('mobiprox.model', { treeDataProvider: provider, showCollapseAll: true });
  const update = (): void => {
    const loaded = lastModel.value;
    if (!loaded) return;
    if ('model' in loaded) {
      provider.show(buildModelTree(loaded.model));
      view.description = loaded.file;
      view.message = `${loaded.model.name}: ${loaded.model.layers.length} layers, ${formatFlops(loaded.model.totalFlops)} per sample`;
    } else {
      provider.show([]);
      view.description = loaded.file;
      view.message = loaded.failure.message;
    }
  };
  update();
  return vscode.Disposable.from(provider, view, lastModel.onDidChange(update));
}
