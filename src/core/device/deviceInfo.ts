/**
 * What we show about a device: from `adb devices` its serial and state, and for an online device its
 * properties (getprop) and battery (dumpsys battery). We list with listDevices and ask getprop for the
 * rest rather than listDevicesWithPaths, whose parser misreads TCP serials such as 127.0.0.1:5555.
 * Whatever a device does not report stays undefined; nothing is invented.
 */
import { Client, Device } from '@devicefarmer/adbkit';

export interface DeviceInfo {
  serial: string;
  /** adb's state: device (usable), offline, unauthorized, ... */
  state: string;
  model?: string;
  manufacturer?: string;
  /** ro.product.cpu.abilist, or ro.product.cpu.abi on devices that predate the list. */
  abis: string[];
  androidVersion?: string;
  sdk?: number;
  /** Percent. */
  batteryLevel?: number;
  charging?: boolean;
}

export interface Battery {
  level?: number;
  charging?: boolean;
}

export async function listDevices(client: Client): Promise<DeviceInfo[]> {
  const devices: Device[] = await client.listDevices();
  return Promise.all(devices.map((d) => describeDevice(client, d)));
}

/** A device that goes away while we ask keeps its serial and state and nothing else. */
export async function describeDevice(client: Client, device: Device): Promise<DeviceInfo> {
  const info: DeviceInfo = { serial: device.id, state: device.type, abis: [] };
  if (device.type !== 'device') return info;
  const handle = client.getDevice(device.id);
  let props: Record<string, string>;
  let battery: Battery;
  try {
    props = await handle.getProperties();
    battery = parseBattery(await shellOutput(handle.shell('dumpsys battery')));
  } catch {
    return info;
  }
  const abis = props['ro.product.cpu.abilist'] || props['ro.product.cpu.abi'] || '';
  const sdk = Number(props['ro.build.version.sdk']);
  return {
    ...info,
    model: props['ro.product.model'] || undefined,
    manufacturer: props['ro.product.manufacturer'] || undefined,
    abis: abis.split(',').filter((a) => a !== ''),
    androidVersion: props['ro.build.version.release'] || undefined,
    sdk: Number.isInteger(sdk) && sdk > 0 ? sdk : undefined,
    batteryLevel: battery.level,
    charging: battery.charging,
  };
}

async function shellOutput(stream: PromiseLike<NodeJS.ReadableStream>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of await stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * `dumpsys battery` as Android's BatteryService prints it: "level: 85", "scale: 100", "status: 2"
 * (BatteryManager: 2 charging, 3 discharging, 4 not charging, 5 full) and "AC/USB/Wireless powered: true".
 */
export function parseBattery(text: string): Battery {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([A-Za-z][\w ]*?):\s*(.*?)\s*$/.exec(line);
    if (m) fields.set(m[1].toLowerCase(), m[2]);
  }
  const number = (key: string): number | undefined => {
    const v = fields.get(key);
    return v !== undefined && /^-?\d+$/.test(v) ? Number(v) : undefined;
  };
  const raw = number('level');
  const scale = number('scale') ?? 100;
  const level = raw !== undefined && raw >= 0 && scale > 0 ? Math.round((100 * raw) / scale) : undefined;
  const powered = ['ac powered', 'usb powered', 'wireless powered', 'dock powered']
    .map((k) => fields.get(k))
    .filter((v) => v !== undefined);
  const plugged = powered.length > 0 ? powered.includes('true') : undefined;
  const status = number('status');
  // Full (5) or unknown: charging means being on power.
  const charging = status === 2 ? true : status === 3 || status === 4 ? false : plugged;
  return { level, charging };
}
