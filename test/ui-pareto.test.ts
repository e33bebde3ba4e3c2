import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { compileModel } from '../src/core/compile';
import { exactConfiguration } from '../src/core/knobs/configuration';
import { CONFIGURATION_SET_FORMAT, ConfigurationRecord, ConfigurationSet } from '../src/core/knobs/configurationSet';
import { knobSummary, paretoView } from '../src/ui/pareto/paretoView';
import { selectConfigurations } from '../src/ui/pareto/selectConfigurations';
import { isWebviewMessage } from '../src/ui/protocol/pareto';

const HAR = path.resolve(__dirname, '../../media/models/har-mobiprox.onnx');

/** A set of the HAR model's real layers: conf0 exact, the others with one knob on a convolution. */
function harSet(): ConfigurationSet {
  const model = compileModel(HAR);
  const layers = model.layers.map((l) => l.slots.map((s) => s.op));
  const convs = model.layers.filter((l) => l.op === 'conv').map((l) => l.index - 1);
  const exact = exactConfiguration(layers, 90);
  const approx = (name: string, layer: number, knob: number, host: [number, number], predicted?: [number, number], device?: [number, number]): ConfigurationRecord => ({
    ...exact,
    name,
    speedup: host[0],
    qosLoss: host[1],
    accuracy: 90 - host[1],
    layers: exact.layers.map((slots, i) => (i === layer ? slots.map((s, j) => (j === 0 ? { ...s, knob } : s)) : slots)),
    host: { speedup: host[0], qosLoss: host[1], accuracy: 90 - host[1] },
    ...(predicted ? { predicted: { speedup: predicted[0], qosLoss: predicted[1], accuracy: 90 - predicted[1] } } : {}),
    ...(device ? { device: { speedup: device[0], qosLoss: device[1], accuracy: 90 - device[1], serial: '127.0.0.1:5555', abi: 'x86_64' } } : {}),
  });
  return {
    format: CONFIGURATION_SET_FORMAT,
    version: 1,
    model: { name: model.name, sha256: '', inputShape: model.inputShape, layers },
    baselineTime: 1,
    configurations: [
      { ...exact, host: { speedup: 1, qosLoss: 0, accuracy: 90 } },
      approx('conf1', convs[0], 121, [1.2, 0.5], [1.3, 0.4]),
      // Dominated on the host: slower than conf1 and worse.
      approx('conf2', convs[1], 12, [1.1, 0.8], [1.4, 0.2]),
      approx('conf3', convs[2], 231, [1.6, 2.0], [1.5, 1.0]),
    ],
  };
}

describe('Pareto panel view model and protocol', () => {
  it('has a series per source of figures, each point once, with its own frontier', () => {
    const set = harSet();
    const view = paretoView(set, '/w/har.configs.json', 'har.configs.json');
    assert.deepEqual(view.series.map((s) => s.kind), ['predicted', 'host'], 'no device series before a profiling');
    const host = view.series.find((s) => s.kind === 'host')!;
    assert.deepEqual(host.points.map((p) => p.name), ['conf0', 'conf1', 'conf2', 'conf3']);
    assert.deepEqual(host.frontier, ['conf0', 'conf1', 'conf3']);
    // The exact configuration has no prediction: the predicted series starts from it at (×1, 0).
    const predicted = view.series.find((s) => s.kind === 'predicted')!;
    assert.deepEqual(predicted.points[0], { name: 'conf0', speedup: 1, qosLoss: 0, accuracy: 90, knobSummary: 'exact' });
    // Predicted, conf2 dominates conf1 (faster, less loss); measured, the other way round.
    assert.deepEqual(predicted.frontier, ['conf0', 'conf2', 'conf3']);
    assert.equal(view.model, set.model.name);
    assert.deepEqual(JSON.parse(JSON.stringify(view)), view, 'plain JSON crosses to the page');
  });

  it('adds the device series once configurations are profiled', () => {
    const set = harSet();
    set.configurations[0].device = { speedup: 1, qosLoss: 0, accuracy: 90, serial: 's', abi: 'x86_64' };
    set.configurations[3].device = { speedup: 1.9, qosLoss: 2.5, accuracy: 87.5, serial: 's', abi: 'x86_64' };
    const device = paretoView(set, 'f').series.find((s) => s.kind === 'device')!;
    assert.deepEqual(device.points.map((p) => [p.name, p.speedup]), [['conf0', 1], ['conf3', 1.9]]);
  });

  it('summarises and tabulates the knob of each layer', () => {
    const set = harSet();
    const conf1 = set.configurations[1];
    const layer = conf1.layers.findIndex((slots) => slots[0].knob !== 11) + 1;
    assert.equal(knobSummary(conf1), `${layer}:perf 121`);
    const detail = paretoView(set, 'f').configurations[1];
    assert.equal(detail.layers.length, set.model.layers.length);
    assert.deepEqual(detail.layers.filter((l) => l.approximated).map((l) => [l.layer, l.knob, l.ops]), [[layer, '121 perf', 'conv + add + relu']]);
  });

  it('a selection keeps the exact configuration first and drops a calibration that no longer lines up', () => {
    const set = { ...harSet(), calibration: { temperatures: [1, 1, 1, 1] } };
    const subset = selectConfigurations(set, ['conf3']);
    assert.deepEqual(subset.configurations.map((c) => c.name), ['conf0', 'conf3']);
    assert.equal('calibration' in subset, false);
    assert.equal(selectConfigurations(set, []), set, 'no selection: the whole set');
    assert.throws(() => selectConfigurations(set, ['conf9']), /no configuration conf9/);
  });

  it('accepts only well-formed messages from the page', () => {
    assert.equal(isWebviewMessage({ type: 'ready' }), true);
    assert.equal(isWebviewMessage({ type: 'profile', file: '/w/s.json', names: ['conf1'] }), true);
    assert.equal(isWebviewMessage({ type: 'bundle', file: '/w/s.json', names: [] }), true);
    for (const bad of [null, 'ready', { type: 'profile', names: ['conf1'] }, { type: 'bundle', file: 3, names: [] }, { type: 'profile', file: 'f', names: [1] }, { type: 'delete', file: 'f', names: [] }]) {
      assert.equal(isWebviewMessage(bad), false, JSON.stringify(bad));
    }
  });
});
