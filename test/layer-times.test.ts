/**
 * Measured time per layer (`inspect --layer-times`, the overview's Measure Layer Times): the host runtime's op
 * times grouped by layer, on random inputs, beside each layer's share of the FLOPs, on the bundled HAR model.
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { compileModel } from '../src/core/compile';
import { DISAGREEMENT, MIN_SHARE, measureLayerTimes } from '../src/core/runtime/layerTimes';
import { cli } from './support/cli';
import { REPO_ROOT, requireRuntime } from './support/engine';

const MODEL = path.join(REPO_ROOT, 'media/models/har-mobiprox.onnx');

describe('time per layer, measured on the host', function () {
  this.timeout(120_000);
  before(function () {
    requireRuntime(this);
  });

  it('gives every layer its milliseconds and its shares of time and FLOPs, flagging those far apart', async () => {
    const model = compileModel(MODEL);
    const t = await measureLayerTimes(model, { batch: 4, samples: 16 });
    assert.equal(t.layers.length, model.layers.length);
    assert.deepEqual(t.layers.map((l) => l.layer), model.layers.map((l) => l.index));
    assert.equal(t.samples, 16);
    assert.match(t.cpu, /\S/);
    const conv = model.layers.findIndex((l) => l.op === 'conv');
    assert.ok(t.layers[conv].ms > 0, 'a convolution takes time');
    const layered = t.layers.reduce((s, l) => s + l.ms, 0);
    assert.ok(Math.abs(layered + t.otherMs - t.totalMs) < 1e-9 * Math.max(1, t.totalMs), 'the layers and the rest make the whole');
    assert.ok(Math.abs(t.layers.reduce((s, l) => s + l.flopsShare, 0) - 1) < 1e-9);
    for (const l of t.layers) {
      const hi = Math.max(l.share, l.flopsShare), lo = Math.min(l.share, l.flopsShare);
      assert.equal(l.disagrees, hi >= MIN_SHARE && hi > DISAGREEMENT * lo, `layer ${l.layer}`);
    }
  });

  it('mobiprox inspect --layer-times prints them and puts them in --json', async () => {
    const text = await cli(['inspect', MODEL, '--layer-times', '--batch', '4']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /#\s+layer\s+ops\s+output\s+FLOPs\s+ms\s+time\s+FLOPs/);
    assert.match(text.stdout, /ms: per sample on .* \(\w[\w-]* kernels, batch 4, 1 thread\(s\), 16 random samples\)/);
    const json = await cli(['inspect', MODEL, '--layer-times', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout);
    assert.equal(parsed.layerTimes.layers.length, parsed.layers.length);
  });
});
