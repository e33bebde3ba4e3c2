import * as vscode from 'vscode';
import { VirtualAbi } from '../../virtualDevice/properties';
import { startVirtualDevice, VirtualDevice } from '../../virtualDevice/virtualDevice';
import { DeviceTracker } from './deviceTracker';

/** The virtual devices this window started: attached to the tracked adb server, stopped with the window. */
export class VirtualDevices implements vscode.Disposable {
  private readonly running = new Map<string, VirtualDevice>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly tracker: DeviceTracker) {}

  get serials(): ReadonlySet<string> {
    return new Set(this.running.keys());
  }

  async start(abi: VirtualAbi): Promise<VirtualDevice> {
    await this.tracker.ensureStarted();
    const device = await startVirtualDevice({ abi, adb: await this.tracker.adb() });
    this.running.set(device.serial, device);
    this.changed.fire();
    return device;
  }

  async stop(serial: string): Promise<boolean> {
    const device = this.running.get(serial);
    if (!device) return false;
    this.running.delete(serial);
    this.changed.fire();
    await device.stop();
    return true;
  }

  /** Stops every device; awaited by deactivate so no device outlives the extension host. */
  async stopAll(): Promise<void> {
    const all = [...this.running.values()];
    this.running.clear();
    await Promise.allSettled(all.map((d) => d.stop()));
  }

  dispose(): void {
    void this.stopAll();
    this.changed.dispose();
  }
}
