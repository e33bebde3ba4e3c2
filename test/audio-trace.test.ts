import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { addWhiteNoise, buildNoisyTrace, snrProfile } from '../src/core/audio/noisyTrace';
import { datasetClips, splitOf } from '../src/core/audio/speechCommands';
import { mulberry32 } from '../src/core/data/rowOrder';
import { SHARED, requireShared } from './support/engine';

const DATA = path.join(SHARED, 'datasets/speech-commands');

describe('audio: noisy keyword trace', () => {
  it('follows a day: quiet at both ends, loudest in the middle, symmetric', () => {
    const snr = snrProfile(160, 40, 0);
    assert.equal(snr[0], 40);
    assert.ok(Math.abs(snr[159] - 40) < 1e-9);
    assert.ok(Math.min(...snr) < 0.01 && Math.min(...snr) >= 0);
    for (let i = 0; i < 80; i++) {
      assert.ok(Math.abs(snr[i] - snr[159 - i]) < 1e-9, `not symmetric at ${i}`);
      if (i > 0) assert.ok(snr[i] < snr[i - 1], `noise does not rise at ${i}`);
    }
    const third = (k: number) => snr.slice(k * 53, (k + 1) * 53).reduce((a, b) => a + b, 0) / 53;
    assert.ok(third(1) < 10 && third(0) > 25 && third(2) > 25, `mean SNR per third: ${[0, 1, 2].map(third)}`);
  });

  it('adds white noise at the asked SNR', () => {
    const uniform = mulberry32(7);
    const clip = Float64Array.from({ length: 16000 }, (_, i) => 0.2 * Math.sin(i / 7));
    for (const snr of [40, 10, 0, -5]) {
      const noisy = addWhiteNoise(clip, snr, uniform);
      let s = 0;
      let n = 0;
      noisy.forEach((v, i) => ((s += clip[i] ** 2), (n += (v - clip[i]) ** 2)));
      assert.ok(Math.abs(10 * Math.log10(s / n) - snr) < 1e-6, `asked ${snr} dB, got ${10 * Math.log10(s / n)}`);
    }
  });

  it('is a pure function of the seed, drawing only test-split speakers', function () {
    requireShared(this, 'datasets/speech-commands');
    const options = { utterances: 24, seed: 3, snrHigh: 30, snrLow: -5 };
    const a = buildNoisyTrace(DATA, options);
    const b = buildNoisyTrace(DATA, options);
    assert.deepEqual(Buffer.from(a.x.data.buffer), Buffer.from(b.x.data.buffer));
    assert.deepEqual(a.description, b.description);
    const list = a.description.utteranceList;
    assert.equal(list.length, 24);
    assert.ok(list.every((u) => splitOf(u.file) === 'test'), 'an utterance of a training speaker');
    assert.deepEqual(Array.from(a.y.data), list.map((u) => u.label));
    assert.deepEqual(Array.from(a.snr.data), Array.from(Float32Array.from(snrProfile(24, 30, -5))));
    const c = buildNoisyTrace(DATA, { ...options, seed: 4 });
    assert.notDeepEqual(c.description.utteranceList, list);
    assert.throws(() => buildNoisyTrace(DATA, { ...options, utterances: datasetClips(DATA, 'test').length + 1 }), /fewer than/);
  });
});
