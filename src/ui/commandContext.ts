import * as vscode from 'vscode';
import { DeviceTracker } from './devices/deviceTracker';
import { LastOpenedModel } from './model/lastOpenedModel';
import { RunLog } from './runs/runLog';
import { VirtualDevices } from './devices/virtualDevices';

/** What the commands share: the output channel, the run history, the model in view and the devices. */
export interface CommandContext {
  extensionUri: vscode.Uri;
  log: vscode.LogOutputChannel;
  runs: RunLog;
  lastModel: LastOpenedModel;
  devices: DeviceTracker;
  virtualDevices: VirtualDevices;
}
