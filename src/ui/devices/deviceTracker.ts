import * as vscode from 'vscode';
import { AdbServer } from '../../core/device/adbServer';
import { DeviceInfo, listDevices } from '../../core/device/deviceInfo';
import { DeviceTracking, trackDevices } from '../../core/device/deviceTracker';

/**
 * The devices adb sees, kept current by adbkit's tracker from the first time someone asks (the Devices view
 * becoming visible, a command needing a device). A lost adb server is reported once; refresh() starts over.
 */
export class DeviceTracker implements vscode.Disposable {
  private tracking: DeviceTracking | undefined;
  private starting: Promise<void> | undefined;
  private server: AdbServer | undefined;
  private current: DeviceInfo[] = [];
  private problem: string | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly adbPath: () => string | undefined) {}

  get devices(): readonly DeviceInfo[] {
    return this.current;
  }

  /** Why there is no device list, when tracking failed. */
  get error(): string | undefined {
    return this.problem;
  }

  /** The adb server tracked (located and started on first use). */
  async adb(): Promise<AdbServer> {
    if (!this.server) {
      const server = AdbServer.locate({ adb: this.adbPath() });
      await server.start();
      this.server = server;
    }
    return this.server;
  }

  /** Starts tracking if it is not running; resolves once the device list is known. */
  ensureStarted(): Promise<void> {
    this.starting ??= this.start().catch((e: Error) => {
      this.starting = undefined;
      this.report([], e.message);
    });
    return this.starting;
  }

  /** Starts over: a new adb server lookup (the setting may have changed) and a new tracker. */
  refresh(): Promise<void> {
    this.stop();
    this.server = undefined;
    return this.ensureStarted();
  }

  private async start(): Promise<void> {
    const adb = await this.adb();
    let heard = false;
    this.tracking = await trackDevices(
      adb.client,
      (devices) => {
        heard = true;
        this.report(devices, undefined);
      },
      (error) => {
        this.tracking = undefined;
        this.starting = undefined;
        this.report([], error.message);
      },
    );
    // adb's tracker is silent until the list first changes when no device is attached: ask once as well.
    const initial = await listDevices(adb.client);
    if (!heard) this.report(initial, undefined);
  }

  private report(devices: DeviceInfo[], problem: string | undefined): void {
    this.current = devices;
    this.problem = problem;
    this.changed.fire();
  }

  /** Waits until the device list holds `serial` in state "device" (after a connect). */
  async waitFor(serial: string, timeoutMs = 15_000): Promise<void> {
    if (this.current.some((d) => d.serial === serial && d.state === 'device')) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        listener.dispose();
        reject(new Error(`${serial} did not appear in adb's device list within ${timeoutMs / 1000} s.`));
      }, timeoutMs);
      const listener = this.onDidChange(() => {
        if (!this.current.some((d) => d.serial === serial && d.state === 'device')) return;
        clearTimeout(timer);
        listener.dispose();
        resolve();
      });
    });
  }

  private stop(): void {
    this.tracking?.stop();
    this.tracking = undefined;
    this.starting = undefined;
  }

  dispose(): void {
    this.stop();
    this.changed.dispose();
  }
}
