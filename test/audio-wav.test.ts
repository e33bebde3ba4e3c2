import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseWav, readWav } from '../src/core/audio/wav';
import { MobiproxError } from '../src/core/errors';
import { wavBytes } from './support/wavFile';

describe('audio: WAV reader', () => {
  it('reads 16-bit mono 16 kHz PCM as int16 / 32768, skipping chunks it does not need', () => {
    const pcm = [0, 1, -1, 32767, -32768, 12345];
    const list = { id: 'LIST', body: Buffer.from('INFOabc') }; // odd size: the reader must skip the pad byte
    const got = parseWav(wavBytes(pcm, { before: [list] }), 'a.wav');
    assert.deepEqual(Array.from(got), pcm.map((v) => v / 32768));
  });

  it('reads a file from disk and names a missing one', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpx-wav-'));
    try {
      const file = path.join(dir, 'clip.wav');
      fs.writeFileSync(file, wavBytes([7, -7]));
      assert.deepEqual(Array.from(readWav(file)), [7 / 32768, -7 / 32768]);
      assert.throws(() => readWav(path.join(dir, 'none.wav')), (e: Error) => e instanceof MobiproxError && /none\.wav.*ENOENT/.test(e.message));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  const bad: [string, Buffer, RegExp][] = [
    ['not RIFF', Buffer.from('ID3\x03 this is an mp3 file'), /RIFF\/WAVE header/],
    ['float samples', wavBytes([0], { tag: 3, bits: 32 }), /format tag 3, not uncompressed PCM/],
    ['8-bit samples', wavBytes([0], { bits: 8 }), /8-bit samples.*16-bit PCM mono 16000 Hz/],
    ['stereo', wavBytes([0, 0], { channels: 2 }), /2 channels/],
    ['44.1 kHz', wavBytes([0], { rate: 44100 }), /sampled at 44100 Hz/],
    ['a truncated data chunk', wavBytes([1, 2, 3], { dataSize: 600 }), /declares 600 bytes but only 6 follow/],
    ['no data chunk', wavBytes([1]).subarray(0, 36), /no data chunk/],
    ['no fmt chunk', Buffer.concat([Buffer.from('RIFF\x04\x00\x00\x00WAVE', 'latin1')]), /no fmt chunk/],
  ];
  for (const [what, bytes, message] of bad) {
    it(`refuses ${what}, naming the file`, () => {
      assert.throws(() => parseWav(bytes, 'bad.wav'), (e: Error) =>
        e instanceof MobiproxError && e.message.startsWith('bad.wav is not a usable WAV file') && message.test(e.message));
    });
  }
});
