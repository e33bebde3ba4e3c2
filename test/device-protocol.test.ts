/**
 * The virtual device's transport seen by a hand-written adb host (independent of src/): the CNXN exchange
 * at the older protocol version with byte-sum checksums, the payload limit the host sets, one WRTE in
 * flight until OKAY, refused services, and a dropped connection on a corrupt packet.
 */
import { strict as assert } from 'node:assert';
import * as net from 'node:net';
import { startVirtualDevice, VirtualDevice } from '../src/virtualDevice/virtualDevice';

const CNXN = 0x4e584e43;
const OPEN = 0x4e45504f;
const OKAY = 0x59414b4f;
const WRTE = 0x45545257;
const CLSE = 0x45534c43;

interface Message {
  command: number;
  arg0: number;
  arg1: number;
  data: Buffer;
}

function byteSum(data: Buffer): number {
  return data.reduce((s, b) => s + b, 0);
}

function encode(m: Message, checksum = byteSum(m.data)): Buffer {
  const h = Buffer.alloc(24);
  h.writeUInt32LE(m.command, 0);
  h.writeUInt32LE(m.arg0, 4);
  h.writeUInt32LE(m.arg1, 8);
  h.writeUInt32LE(m.data.length, 12);
  h.writeUInt32LE(checksum >>> 0, 16);
  h.writeUInt32LE((m.command ^ 0xffffffff) >>> 0, 20);
  return Buffer.concat([h, m.data]);
}

/** A host connection that queues every message the device sends, checking its magic and checksum. */
class Host {
  private buffered = Buffer.alloc(0);
  private readonly inbox: Message[] = [];
  private wake?: () => void;
  closed = false;

  constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      while (this.buffered.length >= 24 && this.buffered.length >= 24 + this.buffered.readUInt32LE(12)) {
        const length = this.buffered.readUInt32LE(12);
        const m = {
          command: this.buffered.readUInt32LE(0),
          arg0: this.buffered.readUInt32LE(4),
          arg1: this.buffered.readUInt32LE(8),
          data: this.buffered.subarray(24, 24 + length),
        };
        assert.equal(this.buffered.readUInt32LE(20), (m.command ^ 0xffffffff) >>> 0, 'magic');
        assert.equal(this.buffered.readUInt32LE(16), byteSum(m.data), 'checksum');
        this.inbox.push(m);
        this.buffered = this.buffered.subarray(24 + length);
      }
      this.wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
  }

  static connect(port: number): Promise<Host> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(new Host(socket)));
      socket.on('error', reject);
    });
  }

  send(m: Message, checksum?: number): void {
    this.socket.write(encode(m, checksum));
  }

  /** The next message, or undefined if none comes within `ms`. */
  async next(ms = 5000): Promise<Message | undefined> {
    const deadline = Date.now() + ms;
    while (this.inbox.length === 0 && !this.closed && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, Math.max(0, deadline - Date.now()));
      });
    }
    return this.inbox.shift();
  }

  async handshake(version: number, maxPayload: number): Promise<Message> {
    this.send({ command: CNXN, arg0: version, arg1: maxPayload, data: Buffer.from('host::\0') });
    const reply = await this.next();
    assert.equal(reply?.command, CNXN);
    return reply!;
  }
}

describe('virtual device transport', () => {
  let device: VirtualDevice;
  const hosts: Host[] = [];
  before(async () => (device = await startVirtualDevice({ abi: 'x86_64' })));
  after(async () => {
    for (const h of hosts) h.socket.destroy();
    await device?.stop();
  });
  const connect = async (): Promise<Host> => {
    const h = await Host.connect(device.port);
    hosts.push(h);
    return h;
  };

  it('answers CNXN at the version and with a banner the host can use', async () => {
    const host = await connect();
    const reply = await host.handshake(0x01000000, 4096);
    assert.equal(reply.arg0, 0x01000000, 'the older of both versions');
    const banner = reply.data.toString('utf8');
    assert.match(banner, /^device::/);
    for (const key of ['ro.product.name', 'ro.product.model', 'ro.product.device']) assert.match(banner, new RegExp(`${key}=[^;]+`));
    const features = /features=([^;]*)/.exec(banner)?.[1].split(',') ?? [];
    // It must speak whatever it announces: the shell protocol yes, the version 2 sync requests no.
    assert.ok(features.includes('shell_v2'), `features ${features}`);
    assert.ok(!features.includes('stat_v2') && !features.includes('ls_v2'), `features ${features}`);
  });

  it('keeps one WRTE in flight, within the host payload limit, until the host says OKAY', async () => {
    const host = await connect();
    await host.handshake(0x01000000, 4096);
    host.send({ command: OPEN, arg0: 7, arg1: 0, data: Buffer.from('shell:seq 1 3000\0') });
    const okay = await host.next();
    assert.equal(okay?.command, OKAY);
    assert.equal(okay!.arg1, 7);
    const deviceId = okay!.arg0;
    let output = '';
    let writes = 0;
    for (;;) {
      const m = await host.next();
      assert.ok(m, 'the device stopped talking');
      if (m.command === CLSE) break;
      assert.equal(m.command, WRTE);
      assert.deepEqual([m.arg0, m.arg1], [deviceId, 7]);
      assert.ok(m.data.length <= 4096, `a WRTE of ${m.data.length} bytes`);
      output += m.data.toString('latin1');
      if (++writes === 1) assert.equal(await host.next(300), undefined, 'a second WRTE before OKAY');
      host.send({ command: OKAY, arg0: 7, arg1: deviceId, data: Buffer.alloc(0) });
    }
    const expected = Array.from({ length: 3000 }, (_, i) => `${i + 1}\n`).join('');
    assert.equal(output, expected);
    assert.ok(writes >= Math.ceil(expected.length / 4096), `${writes} writes`);
  });

  it('refuses a service it does not offer with CLSE', async () => {
    const host = await connect();
    await host.handshake(0x01000001, 256 * 1024);
    host.send({ command: OPEN, arg0: 9, arg1: 0, data: Buffer.from('framebuffer:\0') });
    const m = await host.next();
    assert.deepEqual([m?.command, m?.arg0, m?.arg1], [CLSE, 0, 9]);
  });

  it('drops a host whose packet checksum is wrong at the checksummed version', async () => {
    const host = await connect();
    await host.handshake(0x01000000, 4096);
    host.send({ command: OPEN, arg0: 11, arg1: 0, data: Buffer.from('shell:echo hi\0') }, 12345);
    assert.equal(await host.next(), undefined);
    assert.ok(host.closed, 'the connection is still open');
  });

  it('frames stdin, stdout, stderr and the exit status with the shell protocol', async () => {
    const host = await connect();
    await host.handshake(0x01000001, 256 * 1024);
    host.send({ command: OPEN, arg0: 13, arg1: 0, data: Buffer.from('shell,v2,raw:cat; echo oops >&2; exit 5\0') });
    const okay = await host.next();
    assert.equal(okay?.command, OKAY);
    const deviceId = okay!.arg0;
    const shellPacket = (id: number, body: string): Buffer => {
      const b = Buffer.alloc(5 + Buffer.byteLength(body));
      b[0] = id;
      b.writeUInt32LE(Buffer.byteLength(body), 1);
      b.write(body, 5);
      return b;
    };
    // stdin in two WRTEs that split a packet, then close-stdin so that cat ends
    const input = Buffer.concat([shellPacket(0, 'hello '), shellPacket(0, 'world'), shellPacket(4, '')]);
    for (const part of [input.subarray(0, 8), input.subarray(8)]) {
      host.send({ command: WRTE, arg0: 13, arg1: deviceId, data: part });
      assert.equal((await host.next())?.command, OKAY);
    }
    let received = Buffer.alloc(0);
    for (;;) {
      const m = await host.next();
      assert.ok(m, 'the device stopped talking');
      if (m.command === CLSE) break;
      assert.equal(m.command, WRTE);
      received = Buffer.concat([received, m.data]);
      host.send({ command: OKAY, arg0: 13, arg1: deviceId, data: Buffer.alloc(0) });
    }
    const streams: Record<number, string> = { 1: '', 2: '' };
    let exit: number | undefined;
    for (let at = 0; at < received.length; ) {
      const id = received[at];
      const length = received.readUInt32LE(at + 1);
      const body = received.subarray(at + 5, at + 5 + length);
      if (id === 3) exit = body[0];
      else streams[id] += body.toString('utf8');
      at += 5 + length;
    }
    assert.deepEqual([streams[1], streams[2], exit], ['hello world', 'oops\n', 5]);
  });
});
