import { Command, InvalidArgumentError } from 'commander';
import { AdbServer } from '../../core/device/adbServer';
import { VIRTUAL_ABIS, VirtualAbi } from '../../virtualDevice/properties';
import { startVirtualDevice } from '../../virtualDevice/virtualDevice';

function abi(value: string): VirtualAbi {
  if (!(VIRTUAL_ABIS as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`'${value}' is not one of ${VIRTUAL_ABIS.join(', ')}.`);
  }
  return value as VirtualAbi;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError(`'${value}' is not a TCP port (1-65535).`);
  return n;
}

export function register(program: Command): void {
  const device = program.command('device').description('devices without a phone');
  device
    .command('virtual')
    .description('run a virtual device that adb and Mobiprox use like a phone, until Ctrl-C')
    .option('--abi <abi>', `the device's ABI: ${VIRTUAL_ABIS.join(', ')} (ARM ABIs run under qemu-user)`, abi, 'x86_64')
    .option('--port <p>', 'TCP port on 127.0.0.1 (default: a free one)', port)
    .option('--root <dir>', "the device's filesystem (default: a temporary folder, removed on exit)")
    .option('--no-connect', 'do not run adb connect; attach it yourself with adb connect 127.0.0.1:PORT')
    .option('--adb <path>', 'the adb executable (default: ANDROID_HOME, ANDROID_SDK_ROOT, then PATH)')
    .action(async (o: { abi: VirtualAbi; port?: number; root?: string; connect: boolean; adb?: string }) => {
      const adb = o.connect ? AdbServer.locate({ adb: o.adb }) : undefined;
      if (adb) await adb.start();
      const vd = await startVirtualDevice({ abi: o.abi, port: o.port, root: o.root, adb });
      process.stdout.write(`${vd.serial}\n`);
      process.stderr.write(
        `virtual ${vd.abi} device ${adb ? 'connected' : 'listening'} at ${vd.serial}, filesystem in ${vd.root}; Ctrl-C stops it\n`,
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await vd.stop();
    });
}
