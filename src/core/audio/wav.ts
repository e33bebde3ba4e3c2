/**
 * WAV files as the keyword-spotting front end takes them: RIFF/WAVE, uncompressed PCM, 16-bit, mono,
 * 16 kHz (the Speech Commands format). Anything else is refused with a message that names the file and
 * says what to convert it to, rather than resampled or mixed down behind the user's back.
 */
import * as fs from 'node:fs';
import { MobiproxError } from '../errors';

export const SAMPLE_RATE = 16000;

/** Samples scaled to [-1, 1): int16 / 32768. */
export function readWav(file: string): Float64Array {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new MobiproxError(`Cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? e}. Check the path.`, { file });
  }
  return parseWav(bytes, file);
}

export function parseWav(buf: Buffer, file = '<buffer>'): Float64Array {
  const fail = (why: string) => new MobiproxError(`${file} is not a usable WAV file: ${why}.`, { file });
  if (buf.length < 12 || buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WAVE') {
    throw fail('it does not start with a RIFF/WAVE header');
  }
  let format: { tag: number; channels: number; rate: number; bits: number } | undefined;
  // Chunks: 4-byte id, 4-byte little-endian size, data padded to an even length.
  for (let at = 12; at + 8 <= buf.length; ) {
    const id = buf.toString('latin1', at, at + 4);
    const size = buf.readUInt32LE(at + 4);
    const body = at + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > buf.length) throw fail('the fmt chunk is truncated');
      format = {
        tag: buf.readUInt16LE(body), channels: buf.readUInt16LE(body + 2),
        rate: buf.readUInt32LE(body + 4), bits: buf.readUInt16LE(body + 14),
      };
      checkFormat(format, fail);
    } else if (id === 'data') {
      if (!format) throw fail('the data chunk comes before any fmt chunk');
      if (body + size > buf.length) throw fail(`the data chunk declares ${size} bytes but only ${buf.length - body} follow`);
      const samples = new Float64Array(size >> 1);
      for (let i = 0; i < samples.length; i++) samples[i] = buf.readInt16LE(body + 2 * i) / 32768;
      return samples;
    }
    at = body + size + (size & 1);
  }
  throw fail(format ? 'it has no data chunk' : 'it has no fmt chunk');
}

function checkFormat(f: { tag: number; channels: number; rate: number; bits: number }, fail: (why: string) => Error): void {
  const want = `; convert it to 16-bit PCM mono ${SAMPLE_RATE} Hz (e.g. sox in.wav -b 16 -c 1 -r ${SAMPLE_RATE} out.wav)`;
  if (f.tag !== 1) throw fail(`its encoding is format tag ${f.tag}, not uncompressed PCM (1)${want}`);
  if (f.bits !== 16) throw fail(`it has ${f.bits}-bit samples${want}`);
  if (f.channels !== 1) throw fail(`it has ${f.channels} channels${want}`);
  if (f.rate !== SAMPLE_RATE) throw fail(`it is sampled at ${f.rate} Hz${want}`);
}
