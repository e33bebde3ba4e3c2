/**
 * Two configurations side by side (`mobiprox compare`, the Pareto panel's Compare): knob and measured time per
 * layer, accuracy per class, on the bundled HAR model with a set built here (exact, and column perforation on
 * every convolution).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compileModel } from '../src/core/compile';
import { readNpy } from '../src/core/data/npy';
import { toNumbers } from '../src/core/data/ndarray';
import { exactConfiguration } from '../src/core/knobs/configuration';
import { CONFIGURATION_SET_FORMAT, ConfigurationSet, writeConfigurationSet } from '../src/core/knobs/configurationSet';
import { compareConfigurations } from '../src/core/runtime/compareConfigurations';
import { cli } from './support/cli';
import { REPO_ROOT, requireRuntime } from './support/engine';

const MODEL = path.join(REPO_ROOT, 'media/models/har-mobiprox.onnx');
const INPUT = path.join(REPO_ROOT, 'media/data/har-test-x.npy');
const LABELS = path.join(REPO_ROOT, 'media/data/har-test-y.npy');

function harSet(): ConfigurationSet {
  const model = compileModel(MODEL);
  const layers = model.layers.map((l) => l.slots.map((s) => s.op));
  const exact = exactConfiguration(layers, 90);
  const perforated = {
    ...exact, name: 'perf',
    layers: model.layers.map((l) => l.slots.map((s, j) => ({ op: s.op, knob: j === 0 && l.op === 'conv' ? 121 : 11 }))),
  };
  return {
    format: CONFIGURATION_SET_FORMAT, version: 1, baselineTime: 1,
    model: { name: model.name, sha256: '', inputShape: model.inputShape, layers }, configurations: [exact, perforated],
  };
}

describe('comparing two configurations', function () {
  this.timeout(120_000);
  let dir: string;
  before(function () {
    requireRuntime(this);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-compare-'));
  });
  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  it('gives each layer both knobs and times, and each class both accuracies, adding up to the totals', async () => {
    const set = harSet();
    const c = await compareConfigurations(MODEL, set, ['conf0', 'perf'], { input: INPUT, labels: LABELS, preprocessing: {} }, { limit: 300 });
    assert.equal(c.samples, 300);
    assert.equal(c.layers.length, set.model.layers.length);
    const conv = c.layers.find((l) => l.ops.startsWith('conv'))!;
    assert.deepEqual(conv.knobs, ['exact fp32', 'column perforation ×2 offset 0, fp32']);
    assert.ok(conv.ms[0] > 0 && conv.ms[1] > 0);
    const labels = Array.from(toNumbers(readNpy(LABELS)).subarray(0, 300));
    assert.deepEqual(c.classes.map((k) => k.samples), [...new Set(labels)].sort((a, b) => a - b).map((k) => labels.filter((l) => l === k).length));
    // the per-class accuracies weigh up to the overall ones
    for (const which of [0, 1]) {
      const weighted = c.classes.reduce((s, k) => s + k.accuracy[which] * k.samples, 0) / c.samples;
      assert.ok(Math.abs(weighted - c.accuracy[which]) < 1e-6, `configuration ${which}: ${weighted} against ${c.accuracy[which]}`);
    }
    assert.ok(c.layers.reduce((s, l) => s + l.ms[0], 0) <= c.totalMs[0] + 1e-9);
  });

  it('mobiprox compare prints both tables, and names a configuration the set lacks', async () => {
    const file = path.join(dir, 'set.json');
    writeConfigurationSet(file, harSet());
    const ok = await cli(['compare', MODEL, 'conf0', 'perf', '--configs', file, '--input', INPUT, '--labels', LABELS, '--limit', '200']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^conf0 against perf on 200 samples: accuracy [\d.]+ % and [\d.]+ %/);
    assert.match(ok.stdout, /conv \+ add \+ relu\s+exact fp32\s+[\d.]+\s+column perforation ×2 offset 0, fp32\s+[\d.]+\s+\*/);
    assert.match(ok.stdout, /class\s+samples\s+conf0 %\s+perf %\s+difference/);
    const bad = await cli(['compare', MODEL, 'conf0', 'conf9', '--configs', file, '--input', INPUT, '--labels', LABELS]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /The set has no configuration conf9/);
    // a knob the layer cannot take is named with the user's file, before anything runs
    const wrong = harSet();
    wrong.configurations[1].layers[2][0].knob = 123;
    writeConfigurationSet(file, wrong);
    const unfit = await cli(['compare', MODEL, 'conf0', 'perf', '--configs', file, '--input', INPUT, '--labels', LABELS]);
    assert.equal(unfit.code, 2);
    assert.match(unfit.stderr, new RegExp(`${file.replace(/[.]/g, '\\.')}: configuration perf .*123`));
  });
});
