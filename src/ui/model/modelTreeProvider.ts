import * as vscode from 'vscode';
import { formatFlops, formatSpeedup } from '../format';
import { KnobChoice, summarizeComposition, toggleKnob } from './composition';
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

  /** Needed by reveal: a knob's parent is its layer. */
  getParent(node: Node): Node | undefined {
    return node.kind === 'knob' ? this.layers.find((l) => l.index === node.layer) : undefined;
  }

  layer(index: number): LayerNode | undefined {
    return this.layers.find((l) => l.index === index);
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
    if (node.kind === 'layer') {
      item.iconPath = new vscode.ThemeIcon('layers');
    } else {
      item.iconPath = new vscode.ThemeIcon(node.chosen ? 'pass-filled' : 'circle-large-outline');
      item.command = { command: 'mobiprox.chooseKnob', title: 'Choose Knob', arguments: [node.layer, node.knob] };
    }
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** The Model view's composed configuration: the model's file and the knob chosen per layer. */
export interface ModelView extends vscode.Disposable {
  composition(): { model: string | undefined; knobs: KnobChoice };
}

/**
 * The Model view; clicking a knob composes a configuration (one knob per layer), summarised in the view's
 * message; the context key `mobiprox.composed` offers measuring it once a layer is approximated.
 */
export function createModelView(lastModel: LastOpenedModel): ModelView {
  const provider = new ModelTreeProvider();
  const view = vscode.window.createTreeView('mobiprox.model', { treeDataProvider: provider, showCollapseAll: true });
  let choice: KnobChoice = new Map();
  const update = (): void => {
    void vscode.commands.executeCommand('setContext', 'mobiprox.composed', choice.size > 0);
    const loaded = lastModel.value;
    if (!loaded) return;
    view.description = loaded.file;
    if ('model' in loaded) {
      const m = loaded.model;
      provider.show(buildModelTree(m, choice));
      const summary = `${m.name}: ${m.layers.length} layers, ${formatFlops(m.totalFlops)} per sample`;
      const c = summarizeComposition(m, choice);
      view.message = c.approximated
        ? `${summary}. Composed: ${c.approximated} layer${c.approximated === 1 ? '' : 's'} approximated, ${formatFlops(c.flops)}, ${formatSpeedup(c.nominalSpeedup)} nominal; measure it (title bar) to save it into the model's set.`
        : summary;
    } else {
      provider.show([]);
      view.message = loaded.failure.message;
    }
  };
  update();
  const disposable = vscode.Disposable.from(
    provider,
    view,
    lastModel.onDidChange(() => {
      choice = new Map();
      update();
    }),
    vscode.commands.registerCommand('mobiprox.chooseKnob', (layer: number, knobId: number) => {
      choice = toggleKnob(choice, layer, knobId);
      update();
    }),
    // A layer selected elsewhere (the overview's graph or table) is selected here too, when the view is open.
    vscode.commands.registerCommand('mobiprox.revealLayer', (index: number) => {
      const node = provider.layer(index);
      if (node && view.visible) void view.reveal(node, { select: true, focus: false });
    }),
  );
  return { dispose: () => disposable.dispose(), composition: () => ({ model: lastModel.uri?.fsPath, knobs: choice }) };
}
