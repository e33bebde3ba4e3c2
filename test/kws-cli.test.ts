/**
 * `mobiprox kws features` and `mobiprox kws trace` through the built CLI: bad input ends in one line
 * naming the culprit and writes nothing; good input gives the same files every time.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { datasetClips } from '../src/core/audio/speechCommands';
import { readNpy } from '../src/core/data/npy';
import { CLI, cli } from './support/cli';
import { SHARED, requireShared } from './support/engine';
import { toneSamples, wavBytes } from './support/wavFile';

const DATA = path.join(SHARED, 'datasets/speech-commands');

describe('mobiprox kws (CLI)', function () {
  this.timeout(120_000);
  let dir: string;
  const file = (name: string) => path.join(dir, name);

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-kws-'));
    fs.mkdirSync(file('yes'));
    fs.writeFileSync(file('yes/a_nohash_0.wav'), wavBytes(toneSamples(16000, 500, 0.2, 0.01, 1)));
    fs.writeFileSync(file('yes/b_nohash_0.wav'), wavBytes(toneSamples(8000, 900, 0.2, 0.01, 2)));
    fs.writeFileSync(file('loose.wav'), wavBytes(toneSamples(16000, 700, 0.2, 0.01, 3)));
    fs.writeFileSync(file('stereo.wav'), wavBytes([0, 0, 0, 0], { channels: 2 }));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function fails(args: string[], mention: RegExp, unwritten: string[]): Promise<void> {
    const r = await cli(args);
    assert.equal(r.code, 2, `expected exit 2, got ${r.code}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /^mobiprox: [^\n]+\n$/, `expected one line, got:\n${r.stderr}`);
    assert.match(r.stderr, mention);
    for (const f of unwritten) assert.ok(!fs.existsSync(f), `${f} was written`);
  }

  it('writes features and labels of a class folder', async () => {
    const r = await cli(['kws', 'features', file('yes'), '--out', file('x.npy'), '--labels', file('y.npy')]);
    assert.equal(r.code, 0, r.stderr);
    const x = readNpy(file('x.npy'));
    assert.deepEqual(x.shape, [2, 1, 40, 101]);
    assert.deepEqual(Array.from(readNpy(file('y.npy')).data as Int32Array), [0, 0]);
  });

  it('names a bad WAV and writes nothing', () =>
    fails(['kws', 'features', file('yes'), file('stereo.wav'), '--out', file('x.npy')], /stereo\.wav is not a usable WAV file: it has 2 channels/, [file('x.npy')]));

  it('names a path that does not exist', () =>
    fails(['kws', 'features', file('nope'), '--out', file('x.npy')], /nope does not exist/, [file('x.npy')]));

  it('refuses --labels for a clip outside a class folder', () =>
    fails(['kws', 'features', file('loose.wav'), '--out', file('x.npy'), '--labels', file('y.npy')],
      /--labels: .*loose\.wav is not in a class folder/, [file('x.npy'), file('y.npy')]));

  it('refuses --split on a folder that is not a Speech Commands root', () =>
    fails(['kws', 'features', file('yes'), '--split', 'test', '--out', file('x.npy')], /--split needs a Speech Commands root/, [file('x.npy')]));

  it('names a missing or wrong --data folder of the trace', async () => {
    await fails(['kws', 'trace', '--data', file('nope'), '--out-dir', file('trace')], /--data .*nope does not exist/, [file('trace')]);
    await fails(['kws', 'trace', '--data', dir, '--out-dir', file('trace')], /is not a Speech Commands folder: it lacks the class folder\(s\) no, up/, [file('trace')]);
  });

  it('builds the same trace twice from the same seed', async function () {
    requireShared(this, 'datasets/speech-commands');
    const build = async (out: string) => {
      const r = await cli(['kws', 'trace', '--data', DATA, '--out-dir', out, '--utterances', '12', '--seed', '5']);
      assert.equal(r.code, 0, r.stderr);
    };
    await build(file('t1'));
    await build(file('t2'));
    for (const f of ['x.npy', 'y.npy', 'snr.npy', 'trace.json']) {
      assert.ok(fs.readFileSync(file(`t1/${f}`)).equals(fs.readFileSync(file(`t2/${f}`))), `${f} differs`);
    }
    assert.deepEqual(readNpy(file('t1/x.npy')).shape, [12, 1, 40, 101]);
    const snr = Array.from(readNpy(file('t1/snr.npy')).data as Float32Array);
    assert.equal(snr[0], 40);
    assert.ok(Math.min(...snr) < 5, `the middle is not loud: ${snr}`);

    // The held-out clips that are not in the trace, e.g. to tune on.
    const r = await cli(['kws', 'features', DATA, '--split', 'test', '--exclude-trace', file('t1/trace.json'), '--out', file('rest-x.npy'), '--labels', file('rest-y.npy')]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readNpy(file('rest-y.npy')).shape[0], datasetClips(DATA, 'test').length - 12);
  });
});
