/**
 * Plug and unplug: adbkit's trackDevices (adb's host:track-devices) reports every change of the device
 * list, the first time with every device present; on each we describe the devices that appeared or changed
 * state and hand on the whole list, so a view can simply redraw it. A server that goes away is an error.
 */
import { Client, Device } from '@devicefarmer/adbkit';
import { MobiproxError } from '../errors';
import { describeDevice, DeviceInfo } from './deviceInfo';

export interface DeviceTracking {
  stop(): void;
}

export async function trackDevices(
  client: Client,
  onDevices: (devices: DeviceInfo[]) => void,
  onError: (error: Error) => void,
): Promise<DeviceTracking> {
  const known = new Map<string, DeviceInfo>();
  const tracker = await client.trackDevices();
  // Changes are described one batch at a time so that a slow getprop cannot reorder plug and unplug.
  let queue = Promise.resolve();
  const refresh = (added: Device[], removed: Device[]): void => {
    queue = queue.then(async () => {
      for (const d of removed) known.delete(d.id);
      for (const d of added) known.set(d.id, await describeDevice(client, d));
      onDevices([...known.values()]);
    });
  };
  tracker.on('changeSet', (changes: { added: Device[]; changed: Device[]; removed: Device[] }) =>
    refresh([...changes.added, ...changes.changed], changes.removed),
  );
  // adbkit reports a vanished server as an error ("Connection closed") or a bare end; either is told once.
  let stopped = false;
  const lost = (cause?: Error): void => {
    if (stopped) return;
    stopped = true;
    onError(new MobiproxError(`The adb server stopped reporting devices${cause ? ` (${cause.message})` : ''}; is it still running?`));
  };
  tracker.on('error', lost);
  tracker.on('end', () => lost());
  return {
    stop: () => {
      stopped = true;
      tracker.end();
    },
  };
}
