import { Command } from 'commander';
import { AdbServer } from '../../core/device/adbServer';
import { DeviceInfo, listDevices } from '../../core/device/deviceInfo';

export function register(program: Command): void {
  program
    .command('devices')
    .description('list the devices adb sees: model, ABIs, Android version, battery')
    .option('--adb <path>', 'the adb executable (default: ANDROID_HOME, ANDROID_SDK_ROOT, then PATH)')
    .option('--json', 'print a JSON array')
    .action(async (o: { adb?: string; json?: boolean }) => {
      const adb = AdbServer.locate({ adb: o.adb });
      await adb.start();
      const devices = await listDevices(adb.client);
      if (o.json) {
        process.stdout.write(JSON.stringify(devices, null, 2) + '\n');
        return;
      }
      if (devices.length === 0) {
        process.stdout.write('no devices (plug one in with USB debugging on, or start one: mobiprox device virtual)\n');
        return;
      }
      process.stdout.write(table(devices) + '\n');
    });
}

function table(devices: DeviceInfo[]): string {
  const rows = devices.map((d) => [
    d.serial,
    d.state,
    d.model ?? '',
    d.abis.join(','),
    d.androidVersion === undefined ? '' : `${d.androidVersion}${d.sdk === undefined ? '' : ` (SDK ${d.sdk})`}`,
    d.batteryLevel === undefined ? '' : `${d.batteryLevel} %${d.charging ? ' charging' : ''}`,
  ]);
  const all = [['SERIAL', 'STATE', 'MODEL', 'ABIS', 'ANDROID', 'BATTERY'], ...rows];
  const widths = all[0].map((_, c) => Math.max(...all.map((r) => r[c].length)));
  return all.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd()).join('\n');
}
