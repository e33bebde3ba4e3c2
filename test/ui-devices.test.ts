import * as assert from 'node:assert/strict';
import { AdbServer } from '../src/core/device/adbServer';
import { DeviceInfo, listDevices } from '../src/core/device/deviceInfo';
import { startVirtualDevice, VirtualDevice } from '../src/virtualDevice/virtualDevice';
import { deviceNodes } from '../src/ui/devices/deviceTree';
import { privateAdbServer } from './support/adbFixture';
import { requireTools } from './support/requirements';

describe('Devices view model', () => {
  let adb: AdbServer | undefined;
  let device: VirtualDevice | undefined;

  before(async function () {
    requireTools(this, 'adb');
    adb = await privateAdbServer();
    device = await startVirtualDevice({ abi: 'x86_64', adb });
  });

  after(async () => {
    await device?.stop();
    await adb?.kill();
  });

  it('shows a device adb lists with its model, ABI, Android version and battery; one started here as virtual', async () => {
    const devices = await listDevices(adb!.client);
    const info = devices.find((d) => d.serial === device!.serial)!;
    assert.equal(info.state, 'device');
    const [plain] = deviceNodes([info], new Set());
    assert.equal(plain.contextValue, 'device');
    assert.equal(plain.serial, device!.serial);
    assert.equal(plain.label, info.model, 'a model that names its maker is not prefixed with it again');
    assert.ok(plain.description.startsWith('x86_64 · Android '), plain.description);
    if (info.batteryLevel !== undefined) assert.match(plain.description, new RegExp(`battery ${info.batteryLevel} %`));
    const [virtual] = deviceNodes([info], new Set([device!.serial]));
    assert.equal(virtual.contextValue, 'virtualDevice');
    assert.match(virtual.label, / \(virtual\)$/);
  });

  it('a device that cannot be used says why and what to do, and rows come in serial order', () => {
    const devices: DeviceInfo[] = [
      { serial: 'R58M', state: 'unauthorized', abis: [] },
      { serial: 'A1', state: 'offline', abis: [] },
    ];
    const nodes = deviceNodes(devices, new Set());
    assert.deepEqual(nodes.map((n) => [n.serial, n.label, n.description, n.contextValue]), [
      ['A1', 'A1', 'offline', 'unavailable'],
      ['R58M', 'R58M', 'unauthorized', 'unavailable'],
    ]);
    assert.match(nodes[1].tooltip, /Accept the USB debugging prompt/);
    const [pixel] = deviceNodes([{ serial: 'P', state: 'device', manufacturer: 'Google', model: 'Pixel 7', abis: ['arm64-v8a'], androidVersion: '14', sdk: 34, batteryLevel: 80, charging: true }], new Set());
    assert.deepEqual([pixel.label, pixel.description], ['Google Pixel 7', 'arm64-v8a · Android 14 (SDK 34) · battery 80 % charging']);
  });
});
