import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compileModel } from '../src/core/compile';
import { loadModel } from '../src/ui/model/loadModel';
import { knobSpeedupsMessage, layerTimesMessage, overviewMessage } from '../src/ui/modelOverview/overviewMessages';
import { isWebviewMessage } from '../src/ui/protocol/modelOverview';
import { REPO_ROOT, requireRuntime } from './support/engine';
import { OnnxBuilder } from './support/onnxBuilder';

const HAR = path.resolve(__dirname, '../../media/models/har-mobiprox.onnx');

describe('Model overview protocol', () => {
  it('sends every layer of a compiled model with compact knob ids, and survives structured cloning', () => {
    const loaded = loadModel(HAR, 'models/har-mobiprox.onnx');
    const message = overviewMessage(loaded);
    assert.equal(message.type, 'overview');
    if (message.type !== 'overview') return;
    const compiled = compileModel(HAR);
    const o = message.overview;
    assert.equal(o.file, 'models/har-mobiprox.onnx');
    assert.equal(o.name, compiled.name);
    assert.deepEqual(o.inputShape, compiled.inputShape);
    assert.equal(o.layers.length, compiled.layers.length);
    assert.equal(o.totalFlops, o.layers.reduce((s, l) => s + l.flops, 0));
    o.layers.forEach((row, i) => {
      const expanded = row.knobSummary.split(' ').flatMap((part) => {
        const [a, b = a] = part.split('-').map(Number);
        return Array.from({ length: b - a + 1 }, (_, k) => a + k);
      });
      assert.deepEqual(expanded, compiled.layers[i].knobs, `layer ${row.index}: ${row.knobSummary}`);
    });
    // The HAR convolutions are one-dimensional (output height 1): column perforation only, e.g. "121 122 125-127".
    const conv = o.layers.find((l) => l.op === 'conv')!;
    assert.equal(conv.outputShape[1], 1);
    assert.match(conv.knobSummary, /^11 12 121 122 125-127 /);
    assert.deepEqual(JSON.parse(JSON.stringify(message)), message, 'plain JSON: no Buffer or typed array crosses');
    assert.ok(JSON.stringify(message).length < 20_000, 'the .mpxm bytes stay on the host');
  });

  describe('import failures become readable messages', () => {
    let dir: string;
    before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-ui-'))));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('a file that is not ONNX', () => {
      const file = path.join(dir, 'notes.onnx');
      fs.writeFileSync(file, 'these are my notes, not a model\n');
      const message = overviewMessage(loadModel(file, 'notes.onnx'));
      assert.equal(message.type, 'importFailed');
      if (message.type !== 'importFailed') return;
      assert.equal(message.failure.file, 'notes.onnx');
      assert.match(message.failure.message, /notes\.onnx is not an ONNX model/);
    });

    it('an operator Mobiprox does not support, naming its node', () => {
      const b = new OnnxBuilder(13);
      const x = b.input('x', [null, 4]);
      const [y] = b.node('Det', [x], {}, 'determinant');
      b.output(y);
      const message = overviewMessage(loadModel(b.build(), 'det.onnx'));
      assert.equal(message.type, 'importFailed');
      if (message.type !== 'importFailed') return;
      assert.equal(message.failure.node, 'determinant');
      assert.match(message.failure.message, /Det \('determinant'\)/);
    });

    it('a missing file', () => {
      const message = overviewMessage(loadModel(path.join(dir, 'gone.onnx'), 'gone.onnx'));
      assert.equal(message.type, 'importFailed');
      if (message.type === 'importFailed') assert.match(message.failure.message, /gone\.onnx does not exist/);
    });
  });

  it('answers Measure Layer Times with every layer timed on the host, and survives structured cloning', async function () {
    requireRuntime(this);
    const model = compileModel(path.join(REPO_ROOT, 'media/models/har-mobiprox.onnx'));
    // The output channel is VS Code's: these tests run without it, so a recorder stands in.
    const logged: string[] = [];
    const log = { info: (m: string) => logged.push(m), error: (m: string) => logged.push(m) } as unknown as Parameters<typeof layerTimesMessage>[2];
    const message = structuredClone(await layerTimesMessage(model, 1, log));
    assert.equal(message.type, 'layerTimes');
    if (message.type !== 'layerTimes') return;
    assert.deepEqual(message.times.layers.map((l) => l.layer), model.layers.map((l) => l.index));
    assert.ok(message.times.layers.some((l) => l.ms > 0));
    assert.match(logged.join('\n'), /layer times of har-mobiprox: [\d.]+ ms per sample/);
  });

  it('answers Measure Knob Speedups with each layer\'s knob families measured on the host, and survives structured cloning', async function () {
    requireRuntime(this);
    const model = compileModel(path.join(REPO_ROOT, 'media/models/har-mobiprox.onnx'));
    const logged: string[] = [];
    const log = { info: (m: string) => logged.push(m), error: (m: string) => logged.push(m) } as unknown as Parameters<typeof knobSpeedupsMessage>[2];
    const message = structuredClone(await knobSpeedupsMessage(model, 1, log));
    assert.equal(message.type, 'knobSpeedups');
    if (message.type !== 'knobSpeedups') return;
    // every layer that takes a knob besides fp32, each family counted whole
    assert.deepEqual(message.knobs.layers.map((l) => l.layer), model.layers.filter((l) => l.knobs.length > 1).map((l) => l.index));
    for (const l of message.knobs.layers) {
      const taken = model.layers[l.layer - 1].knobs.length - 1;
      assert.equal(l.families.reduce((n, f) => n + f.total, 0), taken, `layer ${l.layer}`);
      assert.ok(l.families.every((f) => f.best > 0 && f.offered <= f.total));
    }
    assert.match(logged.join('\n'), /knob speedups of har-mobiprox on .*: \d+ layer-knob pairs withheld/);
  });

  it('accepts only well-formed messages from the page', () => {
    assert.equal(isWebviewMessage({ type: 'ready' }), true);
    assert.equal(isWebviewMessage({ type: 'measureLayerTimes' }), true);
    assert.equal(isWebviewMessage({ type: 'measureKnobSpeedups' }), true);
    assert.equal(isWebviewMessage({ type: 'editData' }), true);
    assert.equal(isWebviewMessage({ type: 'selectLayer', layer: 3 }), true);
    for (const bad of [null, undefined, 'ready', { type: 'overview' }, { type: 'layerTimes' }, {}, { kind: 'ready' },
      { type: 'selectLayer' }, { type: 'selectLayer', layer: 0 }, { type: 'selectLayer', layer: '3' }, { type: 'selectLayer', layer: 1.5 }]) {
      assert.equal(isWebviewMessage(bad), false, JSON.stringify(bad));
    }
  });
});
