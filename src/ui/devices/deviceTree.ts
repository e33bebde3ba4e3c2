import { DeviceInfo } from '../../core/device/deviceInfo';

/**
 * A row of the Devices view as plain data (the TreeDataProvider maps it to a TreeItem): the model name as
 * the label, ABI, Android version and battery as the description; virtual devices this window started are
 * marked so that their row offers Stop.
 */
export interface DeviceNode {
  serial: string;
  label: string;
  description: string;
  tooltip: string;
  /** 'device' (usable), 'virtualDevice' (started here: can be stopped), 'unavailable' (offline, unauthorized…). */
  contextValue: 'device' | 'virtualDevice' | 'unavailable';
}

export function deviceNodes(devices: readonly DeviceInfo[], virtualSerials: ReadonlySet<string>): DeviceNode[] {
  return [...devices]
    .sort((a, b) => a.serial.localeCompare(b.serial))
    .map((d) => {
      const virtual = virtualSerials.has(d.serial);
      const usable = d.state === 'device';
      const parts = usable
        ? [
            d.abis[0] ?? 'ABI unknown',
            d.androidVersion !== undefined ? `Android ${d.androidVersion}${d.sdk !== undefined ? ` (SDK ${d.sdk})` : ''}` : undefined,
            d.batteryLevel !== undefined ? `battery ${d.batteryLevel} %${d.charging ? ' charging' : ''}` : undefined,
          ]
        : [d.state];
      const name = deviceName(d);
      return {
        serial: d.serial,
        label: virtual ? `${name} (virtual)` : name,
        description: parts.filter((p): p is string => p !== undefined).join(' · '),
        tooltip: [
          `${d.serial} — ${d.state}`,
          d.abis.length ? `ABIs: ${d.abis.join(', ')}` : undefined,
          d.state === 'unauthorized' ? 'Accept the USB debugging prompt on the device.' : undefined,
          d.state === 'offline' ? 'Reconnect the device, or restart adb (adb kill-server).' : undefined,
        ]
          .filter(Boolean)
          .join('\n'),
        contextValue: virtual ? 'virtualDevice' : usable ? 'device' : 'unavailable',
      };
    });
}

/** "Google Pixel 7"; a model that already names its maker ("Mobiprox Virtual x86_64") is not prefixed twice. */
function deviceName(d: DeviceInfo): string {
  if (!d.model) return d.manufacturer ?? d.serial;
  if (!d.manufacturer || d.model.toLowerCase().startsWith(d.manufacturer.toLowerCase())) return d.model;
  return `${d.manufacturer} ${d.model}`;
}
