import * as vscode from 'vscode';

/**
 * A view whose content arrives with its core (Devices: the adb tracker; Runs: tuning and profiling). Its
 * empty tree makes VS Code show the view's welcome text from package.json (viewsWelcome), which says what
 * will appear there, rather than "no data provider".
 */
export function createEmptyTreeView(id: string): vscode.TreeView<never> {
  return vscode.window.createTreeView<never>(id, {
    treeDataProvider: { getChildren: () => [], getTreeItem: (node: never) => node },
  });
}
