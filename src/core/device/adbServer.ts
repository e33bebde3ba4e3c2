/**
 * The adb server this process talks to: the located adb binary, the server's port (adb's default 5037, or
 * ANDROID_ADB_SERVER_PORT, or a private one so tests leave a developer's server alone) and an adbkit client
 * for it. Devices on the network, such as the virtual device, are attached with connect().
 */
import Adb, { Client, Device } from '@devicefarmer/adbkit';
import { execFile } from 'child_process';
import { MobiproxError } from '../errors';
import { locateAdb } from './adbLocation';

export interface AdbServerOptions {
  /** Explicit adb path (setting or --adb); otherwise located by locateAdb. */
  adb?: string;
  /** Server port; defaults to ANDROID_ADB_SERVER_PORT, then 5037. */
  port?: number;
}

const DEFAULT_ADB_PORT = 5037;

export class AdbServer {
  readonly client: Client;

  constructor(
    readonly bin: string,
    readonly port: number,
  ) {
    this.client = Adb.createClient({ bin, port });
  }

  static locate(options: AdbServerOptions = {}): AdbServer {
    const fromEnv = Number(process.env.ANDROID_ADB_SERVER_PORT);
    const port = options.port ?? (Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_ADB_PORT);
    return new AdbServer(locateAdb({ setting: options.adb }), port);
  }

  /** Starts the server if it is not running (adbkit would too, but only on its first refused connection). */
  async start(): Promise<void> {
    await this.run(['start-server']);
  }

  /** Stops the server (and with it every connection it holds). */
  async kill(): Promise<void> {
    await this.run(['kill-server']);
  }

  /** `adb connect host:port`, then waits until the device has answered the handshake and is usable. */
  async connect(hostPort: string, timeoutMs = 15000): Promise<void> {
    const [host, port] = splitHostPort(hostPort);
    await this.client.connect(host, port);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const device = (await this.client.listDevices()).find((d: Device) => d.id === hostPort);
      if (device?.type === 'device') return;
      if (Date.now() > deadline) {
        throw new MobiproxError(`${hostPort} did not come online within ${timeoutMs / 1000} s (state: ${device?.type ?? 'absent'}).`, {
          value: hostPort,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async disconnect(hostPort: string): Promise<void> {
    const [host, port] = splitHostPort(hostPort);
    await this.client.disconnect(host, port);
  }

  private run(args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(this.bin, ['-P', String(this.port), ...args], { timeout: 30000 }, (error, stdout, stderr) => {
        if (error) reject(new MobiproxError(`'${this.bin} ${args.join(' ')}' failed: ${stderr.trim() || error.message}`, { file: this.bin }));
        else resolve(stdout);
      });
    });
  }
}

function splitHostPort(hostPort: string): [string, number] {
  const at = hostPort.lastIndexOf(':');
  const port = Number(hostPort.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port)) throw new MobiproxError(`'${hostPort}' is not host:port.`, { value: hostPort });
  return [hostPort.slice(0, at), port];
}
