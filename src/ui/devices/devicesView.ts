import * as vscode from 'vscode';
import { DeviceNode, deviceNodes } from './deviceTree';
import { DeviceTracker } from './deviceTracker';
import { VirtualDevices } from './virtualDevices';

/** The Devices view: adb's devices as the tracker reports them; tracking starts when the view is first shown. */
export function createDevicesView(tracker: DeviceTracker, virtual: VirtualDevices): vscode.Disposable {
  const changed = new vscode.EventEmitter<void>();
  const provider: vscode.TreeDataProvider<DeviceNode> = {
    onDidChangeTreeData: changed.event,
    getChildren: (node) => (node ? [] : deviceNodes(tracker.devices, virtual.serials)),
    getTreeItem: (node) => {
      const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
      item.id = node.serial;
      item.description = node.description;
      item.tooltip = node.tooltip;
      item.contextValue = node.contextValue;
      item.iconPath = new vscode.ThemeIcon(node.contextValue === 'virtualDevice' ? 'vm' : node.contextValue === 'device' ? 'device-mobile' : 'warning');
      return item;
    },
  };
  const view = vscode.window.createTreeView('mobiprox.devices', { treeDataProvider: provider });
  const update = (): void => {
    // the core's sentence already names the setting (adbLocation.ts): the view adds how to retry
    view.message = tracker.error ? `${tracker.error} Then run Refresh.` : undefined;
    changed.fire();
  };
  if (view.visible) void tracker.ensureStarted();
  return vscode.Disposable.from(
    changed,
    view,
    tracker.onDidChange(update),
    virtual.onDidChange(update),
    view.onDidChangeVisibility((e) => {
      if (e.visible) void tracker.ensureStarted();
    }),
  );
}
