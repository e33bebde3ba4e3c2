/** WAV bytes built field by field, so that tests can make both valid clips and every kind of bad one. */
export interface WavFields {
  tag?: number;
  channels?: number;
  rate?: number;
  bits?: number;
  /** Extra chunks before `data` (e.g. LIST), to check that the reader skips them. */
  before?: { id: string; body: Buffer }[];
  /** Declared data size, when it should lie about the bytes that follow. */
  dataSize?: number;
}

export function wavBytes(samples: ArrayLike<number>, f: WavFields = {}): Buffer {
  const { tag = 1, channels = 1, rate = 16000, bits = 16 } = f;
  const fmt = Buffer.alloc(16);
  fmt.writeUInt16LE(tag, 0);
  fmt.writeUInt16LE(channels, 2);
  fmt.writeUInt32LE(rate, 4);
  fmt.writeUInt32LE((rate * channels * bits) / 8, 8);
  fmt.writeUInt16LE((channels * bits) / 8, 12);
  fmt.writeUInt16LE(bits, 14);
  const pcm = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) pcm.writeInt16LE(samples[i], 2 * i);
  const chunk = (id: string, body: Buffer, size = body.length) => {
    const head = Buffer.alloc(8);
    head.write(id, 0, 'latin1');
    head.writeUInt32LE(size, 4);
    return Buffer.concat([head, body, Buffer.alloc(body.length & 1)]);
  };
  const chunks = [chunk('fmt ', fmt), ...(f.before ?? []).map((c) => chunk(c.id, c.body)), chunk('data', pcm, f.dataSize)];
  const riff = Buffer.alloc(12);
  riff.write('RIFF', 0, 'latin1');
  riff.writeUInt32LE(4 + chunks.reduce((n, c) => n + c.length, 0), 4);
  riff.write('WAVE', 8, 'latin1');
  return Buffer.concat([riff, ...chunks]);
}

/** A 16-bit clip: a tone at `hz` with amplitude `amp` (of full scale) plus seeded noise. */
export function toneSamples(length: number, hz: number, amp: number, noise: number, seed: number): Int16Array {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296 - 0.5;
  };
  return Int16Array.from({ length }, (_, i) =>
    Math.max(-32768, Math.min(32767, Math.round(32768 * (amp * Math.sin((2 * Math.PI * hz * i) / 16000) + noise * next())))));
}
