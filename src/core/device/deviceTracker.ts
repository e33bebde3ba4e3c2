/**
 * Plug and unplug: adbkit's trackDevices (adb's host:track-devices) reports every change of the device
 * list, the first time with every device present; on each we describe the devices that appeared or changed state and hand on the whole list, so a
 * view can simply redraw it.
 */
import { Client, Device } from '@devicefarmer/adbkit';
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
      for (const d of added) {
        try {
          known.set(d.id, await describeDevice(client, d));
        } catch {
          known.set(d.id, { serial: d.id, state: d.type, abis: [] }); // gone again while we asked
        }
      }
      onDevices([...known.values()]);
    });
  };
  tracker.on('changeSet', (changes: { added: Device[]; changed: Device[]; removed: Device[] }) =>
    refresh([...changes.added, ...changes.changed], changes.removed),
  );
  tracker.on('error', onError);
  return { stop: () => tracker.end() };
}
