/**
 * The TypeScript log-mel front end against its twin in the training script (toolchain/train/kws_frontend.py):
 * the model was trained on the Python features, so the product must compute the same numbers.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { clipFeatures } from '../src/core/audio/features';
import { FRAMES, MEL_BANDS, logMel } from '../src/core/audio/logMel';
import { melFilterbank } from '../src/core/audio/melFilterbank';
import { PowerSpectrum } from '../src/core/audio/powerSpectrum';
import { readNpy } from '../src/core/data/npy';
import { REPO_ROOT, SHARED } from './support/engine';
import { SYSTEM_PYTHON, requireNumpy } from './support/requirements';
import { toneSamples, wavBytes } from './support/wavFile';

const FRONTEND = path.join(REPO_ROOT, 'toolchain/train/kws_frontend.py');

describe('audio: log-mel front end', () => {
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpx-logmel-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('computes the power spectrum of a direct DFT', () => {
    const n = 64;
    const x = Array.from({ length: 40 }, (_, i) => Math.sin(i * 0.7) + 0.3 * Math.cos(i * 2.1) + (i % 5) * 0.1);
    const got = new Float64Array(n / 2 + 1);
    new PowerSpectrum(n).compute(x, got);
    for (let k = 0; k <= n / 2; k++) {
      let re = 0;
      let im = 0;
      x.forEach((v, t) => {
        re += v * Math.cos((2 * Math.PI * k * t) / n);
        im -= v * Math.sin((2 * Math.PI * k * t) / n);
      });
      assert.ok(Math.abs(got[k] - (re * re + im * im)) < 1e-9, `bin ${k}: ${got[k]} vs ${re * re + im * im}`);
    }
  });

  it('has 40 triangular bands of peak ≤ 1 tiling 20 Hz – 8 kHz in increasing order', () => {
    const bands = melFilterbank({ bands: 40, fftSize: 512, sampleRate: 16000, minHz: 20, maxHz: 8000 });
    assert.equal(bands.length, 40);
    for (let m = 1; m < 40; m++) assert.ok(bands[m].first >= bands[m - 1].first, `band ${m} starts before band ${m - 1}`);
    for (const b of bands) assert.ok(b.weights.length > 0 && Math.max(...b.weights) <= 1);
    assert.ok(bands[0].first >= 1 && bands[39].first + bands[39].weights.length <= 257);
  });

  it('puts a tone into the band around its frequency, in every frame', () => {
    const tone = Float64Array.from(toneSamples(16000, 1000, 0.5, 0, 1), (v) => v / 32768);
    const f = logMel(tone);
    const bands = melFilterbank({ bands: 40, fftSize: 512, sampleRate: 16000, minHz: 20, maxHz: 8000 });
    const bin = 1000 / (16000 / 512); // bin 32
    const peak = (t: number) => [...Array(MEL_BANDS).keys()].reduce((a, m) => (f[m * FRAMES + t] > f[a * FRAMES + t] ? m : a), 0);
    for (const t of [10, 50, 90]) {
      const b = bands[peak(t)];
      assert.ok(b.first <= bin && bin < b.first + b.weights.length, `frame ${t}: loudest band ${peak(t)} does not cover 1 kHz`);
    }
    assert.ok(Math.abs(logMel(new Float64Array(16000))[0] - Math.log(1e-6)) < 1e-6, 'silence is log(1e-6)');
  });

  it('matches the training front end (Python) on synthetic and real clips', function () {
    requireNumpy(this, 'to run the training front end');
    const files: string[] = [];
    // Lengths around the 1 s clip: shorter ones are zero-padded, longer ones cut, by both.
    for (const [i, [length, hz, amp, noise]] of [[16000, 440, 0.3, 0.05], [12000, 3000, 0.8, 0.2], [17000, 150, 0.01, 0.001], [16000, 0, 0, 0]].entries()) {
      const file = path.join(dir, `synthetic${i}.wav`);
      fs.writeFileSync(file, wavBytes(toneSamples(length, hz, amp, noise, i + 1)));
      files.push(file);
    }
    const speech = path.join(SHARED, 'datasets/speech-commands');
    if (fs.existsSync(speech)) {
      for (const c of ['yes', 'stop', '_silence_', '_unknown_']) {
        const names = fs.readdirSync(path.join(speech, c)).sort();
        files.push(...[names[0], names[names.length - 1]].map((n) => path.join(speech, c, n)));
      }
    } else {
      console.warn(`      (${speech} is absent: synthetic clips only)`);
    }
    const ours = clipFeatures(files);
    const pyOut = path.join(dir, 'python.npy');
    execFileSync(SYSTEM_PYTHON, [FRONTEND, pyOut, ...files]);
    const theirs = readNpy(pyOut);
    assert.deepEqual(theirs.shape, ours.shape);
    let worst = 0;
    ours.data.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - (theirs.data as Float32Array)[i]))));
    assert.ok(worst <= 1e-4, `max |TypeScript − Python| = ${worst}`);
  });
});
