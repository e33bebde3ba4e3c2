/**
 * adbd's transport messages (AOSP adb/protocol.txt): a 24-byte little-endian header — command, arg0, arg1,
 * data length, data checksum, magic = command ^ 0xffffffff — followed by the data.
 */
export const Command = {
  CNXN: 0x4e584e43,
  OPEN: 0x4e45504f,
  OKAY: 0x59414b4f,
  WRTE: 0x45545257,
  CLSE: 0x45534c43,
  AUTH: 0x48545541,
} as const;

export interface Packet {
  command: number;
  arg0: number;
  arg1: number;
  data: Buffer;
}

const HEADER = 24;

/** Peers at protocol version 0x01000001 or later send a zero checksum and ignore ours. */
export const VERSION_SKIP_CHECKSUM = 0x01000001;

/** adb's "checksum" is the byte sum of the data, not a CRC. */
function checksum(data: Buffer): number {
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum += data[i];
  return sum >>> 0;
}

function commandName(command: number): string {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(command >>> 0);
  return b.toString('latin1');
}

/** Encodes a packet, always with the checksum: older peers verify it and newer ones ignore it. */
export function encodePacket(p: Packet): Buffer {
  const header = Buffer.alloc(HEADER);
  header.writeUInt32LE(p.command >>> 0, 0);
  header.writeUInt32LE(p.arg0 >>> 0, 4);
  header.writeUInt32LE(p.arg1 >>> 0, 8);
  header.writeUInt32LE(p.data.length, 12);
  header.writeUInt32LE(checksum(p.data), 16);
  header.writeUInt32LE((p.command ^ 0xffffffff) >>> 0, 20);
  return Buffer.concat([header, p.data]);
}

/**
 * Splits a TCP byte stream into packets. A bad magic, an oversized payload or (for peers below
 * VERSION_SKIP_CHECKSUM) a wrong checksum is a broken peer: the caller drops the connection.
 */
export class PacketReader {
  private buffered: Buffer = Buffer.alloc(0);
  /** The protocol version agreed in CNXN; until then the peer's checksums are verified when non-zero. */
  version = 0;

  constructor(private readonly maxData: () => number) {}

  push(chunk: Buffer): Packet[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const packets: Packet[] = [];
    while (this.buffered.length >= HEADER) {
      const command = this.buffered.readUInt32LE(0);
      const length = this.buffered.readUInt32LE(12);
      const sum = this.buffered.readUInt32LE(16);
      if (this.buffered.readUInt32LE(20) !== (command ^ 0xffffffff) >>> 0) {
        throw new Error(`bad magic in a ${commandName(command)} packet`);
      }
      if (length > this.maxData()) throw new Error(`a ${commandName(command)} packet of ${length} bytes exceeds the payload limit`);
      if (this.buffered.length < HEADER + length) break;
      const data = this.buffered.subarray(HEADER, HEADER + length);
      const verify = this.version < VERSION_SKIP_CHECKSUM && (this.version !== 0 || sum !== 0);
      if (verify && checksum(data) !== sum) throw new Error(`bad checksum in a ${commandName(command)} packet`);
      packets.push({ command, arg0: this.buffered.readUInt32LE(4), arg1: this.buffered.readUInt32LE(8), data });
      this.buffered = this.buffered.subarray(HEADER + length);
    }
    return packets;
  }
}
