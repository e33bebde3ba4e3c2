/**
 * The catalog as this machine runs it (`inspect --knob-times`): each layer's measured speedup under each knob
 * it takes, and whether the tuner offers the knob there, on the bundled HAR model and random inputs.
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { compileModel } from '../src/core/compile';
import { EXACT_KNOB } from '../src/core/knobs/catalog';
import { MIN_LAYER_GAIN } from '../src/core/tuner/costModel';
import { measureKnobSpeedups } from '../src/core/tuner/knobSpeedups';
import { cli } from './support/cli';
import { REPO_ROOT, requireRuntime } from './support/engine';

const MODEL = path.join(REPO_ROOT, 'media/models/har-mobiprox.onnx');

describe('knob speedups per layer, measured on the host', function () {
  this.timeout(120_000);
  before(function () {
    requireRuntime(this);
  });

  it('measures every knob of every layer and offers exactly those that save 2 % of the layer', async () => {
    const model = compileModel(MODEL);
    const s = await measureKnobSpeedups(model, { batch: 4, samples: 16, rounds: 3 });
    assert.deepEqual(s.layers.map((l) => l.layer), model.layers.map((l) => l.index));
    s.layers.forEach((l, i) => {
      assert.ok(l.exactMs > 0, `layer ${l.layer} takes time`);
      // the convolutions are calibrated on the random inputs, so every knob of the catalog is measured
      assert.deepEqual(l.knobs.map((k) => k.knob), model.layers[i].knobs.filter((k) => k !== EXACT_KNOB), `layer ${l.layer}`);
      for (const k of l.knobs) {
        assert.ok(Number.isFinite(k.speedup) && k.speedup > 0, `layer ${l.layer} knob ${k.knob}: ${k.speedup}`);
        assert.equal(k.offered, 1 / k.speedup < MIN_LAYER_GAIN, `layer ${l.layer} knob ${k.knob} at ${k.speedup.toFixed(3)}x`);
      }
    });
    const all = s.layers.flatMap((l) => l.knobs);
    assert.ok(all.some((k) => k.offered) && all.some((k) => !k.offered), 'some knobs pay on this model and some do not');
  });

  it('mobiprox inspect --knob-times prints them per family and puts them in --json', async () => {
    const text = await cli(['inspect', MODEL, '--knob-times', '--batch', '4']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /knob speedups on .* \(\w[\w-]* kernels, batch 4, 1 thread\(s\), 16 random samples\)/);
    assert.match(text.stdout, /\d+ of \d+ layer-knob pairs are withheld/);
    assert.match(text.stdout, /\/conv\/conv\.0\/Conv\s+\d+\.\d{4}\s+.*samp \d+\.\d\dx \(\d\/9\)/);
    const json = await cli(['inspect', MODEL, '--knob-times', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout);
    assert.equal(parsed.knobSpeedups.layers.length, parsed.layers.length);
  });
});
