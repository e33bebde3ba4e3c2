/**
 * A device that speaks adbd's TCP transport, so that `adb connect 127.0.0.1:PORT` attaches it to the real
 * adb server (and through it to adbkit). No AUTH: the host's CNXN is answered with ours at once. Each
 * OPEN starts a service on a stream of its own; see shellService.ts and syncService.ts.
 */
import { ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { MobiproxError } from '../core/errors';
import { AdbServer } from '../core/device/adbServer';
import { requireEmulator } from './executables';
import { Command, encodePacket, Packet, PacketReader, VERSION_SKIP_CHECKSUM } from './packet';
import { abiList, connectionBanner, VIRTUAL_ABIS, VirtualAbi, virtualProperties } from './properties';
import { PROGRAM_STORE, Sandbox } from './sandbox';
import { killGroup, runShell } from './shellService';
import { AdbStream } from './stream';
import { runSync } from './syncService';

/** The largest payload we accept or send; adb agrees on the smaller of both sides' limits. */
const MAX_PAYLOAD = 256 * 1024;
/** What the reader tolerates before the CNXN exchange settles the limit. */
const MAX_ACCEPTED = 1024 * 1024;

export interface VirtualDeviceOptions {
  abi: VirtualAbi;
  /** TCP port on 127.0.0.1; by default a free one. */
  port?: number;
  /** The device's filesystem; by default a temporary folder, removed by stop(). */
  root?: string;
  /** When given, the device is attached to this adb server (`adb connect`) and detached by stop(). */
  adb?: AdbServer;
}

export interface VirtualDevice {
  /** The serial adb gives it: 127.0.0.1:PORT. */
  serial: string;
  port: number;
  root: string;
  abi: VirtualAbi;
  /** Detaches from adb, kills every process the device started, closes its port, removes a temporary root. */
  stop(): Promise<void>;
}

export async function startVirtualDevice(options: VirtualDeviceOptions): Promise<VirtualDevice> {
  if (!VIRTUAL_ABIS.includes(options.abi)) {
    throw new MobiproxError(`'${options.abi}' is not an ABI of the virtual device; use one of ${VIRTUAL_ABIS.join(', ')}.`, {
      value: options.abi,
    });
  }
  requireEmulator(options.abi);
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'EADDRINUSE' ? new MobiproxError(`Port ${options.port} is in use; choose another with --port.`, { value: options.port }) : e),
    );
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const port = (server.address() as net.AddressInfo).port;
  const temporary = options.root === undefined;
  removeStaleRoots();
  const rootDir = options.root ?? fs.mkdtempSync(path.join(os.tmpdir(), TEMPORARY_ROOT_PREFIX));
  const properties = virtualProperties(options.abi, port);
  let sandbox: Sandbox;
  try {
    if (temporary) writeOwner(rootDir);
    sandbox = Sandbox.create(rootDir, properties);
  } catch (e) {
    server.close();
    if (temporary) fs.rmSync(rootDir, { recursive: true, force: true });
    throw e;
  }
  const running = new Set<ChildProcess>();
  const sockets = new Set<net.Socket>();
  const context: Context = { sandbox, abis: abiList(options.abi), banner: connectionBanner(properties), running };
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serveConnection(socket, context);
  });
  const serial = `127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (options.adb) await options.adb.disconnect(serial).catch(() => undefined);
    for (const child of running) killGroup(child);
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (temporary) fs.rmSync(sandbox.root, { recursive: true, force: true });
  };
  if (options.adb) {
    try {
      await options.adb.connect(serial);
    } catch (e) {
      await stop();
      throw e;
    }
  }
  return { serial, port, root: sandbox.root, abi: options.abi, stop };
}

/** Temporary roots are os.tmpdir()/mobiprox-virtual-XXXXXX. */
export const TEMPORARY_ROOT_PREFIX = 'mobiprox-virtual-';
/** In a temporary root, hidden from the device's listings: the pid of the process that owns it, and its
 * start time where the system tells it (Linux), so that another process given the same pid later is no owner. */
export const OWNER_FILE = path.join(PROGRAM_STORE, 'owner.pid');

function writeOwner(root: string): void {
  fs.mkdirSync(path.join(root, PROGRAM_STORE), { recursive: true });
  fs.writeFileSync(path.join(root, OWNER_FILE), `${[process.pid, startTime(process.pid)].filter((v) => v !== undefined).join(' ')}\n`);
}

/** The process's start time in clock ticks since boot (/proc/<pid>/stat, field 22), where there is /proc. */
export function startTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]; // fields from the 3rd on, after the command name
  } catch {
    return undefined;
  }
}

function ownerAlive(pid: number, started: string | undefined): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false; // EPERM: alive, someone else's
  }
  const now = started === undefined ? undefined : startTime(pid);
  return now === undefined || now === started;
}

/**
 * Removes the temporary roots in `dir` whose owner process is gone (or whose pid another process has since
 * been given): a device killed before stop() leaves its root behind. A root without an owner file (being
 * created, or of an older version) is left alone. Returns the roots removed; one that cannot be removed is
 * skipped.
 */
export function removeStaleRoots(dir = os.tmpdir()): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names.filter((n) => n.startsWith(TEMPORARY_ROOT_PREFIX))) {
    const root = path.join(dir, name);
    let owner: string[];
    try {
      owner = fs.readFileSync(path.join(root, OWNER_FILE), 'utf8').trim().split(' ');
    } catch {
      continue;
    }
    const pid = Number(owner[0]);
    if (!Number.isInteger(pid) || pid <= 0 || ownerAlive(pid, owner[1])) continue;
    try {
      fs.rmSync(root, { recursive: true, force: true });
      removed.push(root);
    } catch {
      // another user's, or being removed by someone else: not ours to insist on
    }
  }
  return removed;
}

interface Context {
  sandbox: Sandbox;
  abis: string[];
  banner: string;
  running: Set<ChildProcess>;
}

function serveConnection(socket: net.Socket, context: Context): void {
  socket.setNoDelay(true);
  const reader = new PacketReader(() => MAX_ACCEPTED);
  const streams = new Map<number, AdbStream>();
  let maxPayload = MAX_PAYLOAD;
  let nextId = 1;
  const send = (p: Packet): void => {
    if (!socket.destroyed) socket.write(encodePacket(p));
  };
  const empty = Buffer.alloc(0);

  const handle = (p: Packet): void => {
    switch (p.command) {
      case Command.CNXN: {
        const version = Math.min(p.arg0, VERSION_SKIP_CHECKSUM);
        maxPayload = Math.min(p.arg1, MAX_PAYLOAD);
        for (const s of streams.values()) s.close(false); // a new CNXN restarts the session
        streams.clear();
        send({ command: Command.CNXN, arg0: version, arg1: MAX_PAYLOAD, data: Buffer.from(context.banner) });
        reader.version = version;
        break;
      }
      case Command.OPEN: {
        const service = p.data.toString('utf8').replace(/\0+$/, '');
        const stream = new AdbStream(nextId++, p.arg0, send, maxPayload);
        const start = serviceFor(service, context);
        if (!start) {
          send({ command: Command.CLSE, arg0: 0, arg1: p.arg0, data: empty });
          break;
        }
        streams.set(stream.localId, stream);
        stream.onClose(() => streams.delete(stream.localId));
        send({ command: Command.OKAY, arg0: stream.localId, arg1: p.arg0, data: empty });
        start(stream);
        break;
      }
      case Command.OKAY:
        streams.get(p.arg1)?.acknowledged();
        break;
      case Command.WRTE:
        streams.get(p.arg1)?.received(p.data);
        break;
      case Command.CLSE:
        streams.get(p.arg1)?.close(false);
        break;
      default:
        // AUTH and anything newer: we never asked for them, so there is nothing to answer.
        break;
    }
  };

  socket.on('data', (chunk: Buffer) => {
    try {
      for (const p of reader.push(chunk)) handle(p);
    } catch {
      socket.destroy(); // a peer that breaks framing cannot be resynchronised
    }
  });
  socket.on('error', () => {});
  socket.on('close', () => {
    for (const s of [...streams.values()]) s.close(false);
  });
}

function serviceFor(service: string, context: Context): ((stream: AdbStream) => void) | undefined {
  // shell[,option...]:command — adb asks for the shell protocol with the option v2 (and pty/raw, TERM=...;
  // without a pty every command runs raw). A bare interactive shell is not offered.
  const shell = /^shell(,[^:]*)?:([\s\S]+)$/.exec(service);
  if (shell) {
    const kind = (shell[1] ?? '').split(',').includes('v2') ? 'shell-v2' : 'shell';
    return (stream) => runShell(stream, shell[2], context.sandbox, context.running, kind);
  }
  if (service.startsWith('exec:') && service.length > 'exec:'.length) {
    return (stream) => runShell(stream, service.slice('exec:'.length), context.sandbox, context.running, 'exec');
  }
  if (service === 'sync:') return (stream) => runSync(stream, context.sandbox, context.abis);
  return undefined;
}
