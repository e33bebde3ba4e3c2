/** Files to and from a device over adb's sync service, and short shell commands whose output we read whole. */
import { Client } from '@devicefarmer/adbkit';
import { MobiproxError } from '../errors';

/** adbkit's handle on one device (its class is not exported by name). */
export type DeviceClient = ReturnType<Client['getDevice']>;

/** Pushes a local file to `remote`; `mode` sets its permissions (0o755 for programs). */
export async function pushFile(device: DeviceClient, local: string, remote: string, mode = 0o644): Promise<void> {
  try {
    const transfer = await device.push(local, remote, mode);
    await new Promise<void>((resolve, reject) => {
      transfer.on('end', resolve);
      transfer.on('error', reject);
    });
  } catch (e) {
    throw new MobiproxError(`Cannot push ${local} to ${device.serial}:${remote}: ${(e as Error).message}`, { file: local });
  }
}

/** Pulls a device file into memory. */
export async function pullFile(device: DeviceClient, remote: string): Promise<Buffer> {
  try {
    const transfer = await device.pull(remote);
    return await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      transfer.on('data', (c: Buffer) => chunks.push(c));
      transfer.on('end', () => resolve(Buffer.concat(chunks)));
      transfer.on('error', reject);
    });
  } catch (e) {
    throw new MobiproxError(`Cannot pull ${device.serial}:${remote}: ${(e as Error).message}`, { value: remote });
  }
}

/** Runs a short command (its words already quoted) and returns what it printed, stdout and stderr. */
export async function shellOutput(device: DeviceClient, command: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of await device.shell(command)) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
