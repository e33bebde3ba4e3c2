import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { compileModel } from '../src/core/compile';
import { exactConfiguration } from '../src/core/knobs/configuration';
import { CONFIGURATION_SET_FORMAT, ConfigurationRecord, ConfigurationSet } from '../src/core/knobs/configurationSet';
import { Timing } from '../src/core/runtime/mpxrun';
import { knobSummary, paretoView, pointActionFile } from '../src/ui/pareto/paretoView';
import { configurationLinks, errorBars, plotNotes, pointHover } from '../src/ui/pareto/plotFigures';
import { selectConfigurations } from '../src/core/knobs/selectConfigurations';
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

/** A measurement's timing with the speedup interval [low, high] around `estimate`. */
function timing(estimate: number, low: number, high: number): Timing {
  const ms = { estimate: 1 / estimate, low: 1 / high, high: 1 / low };
  return {
    method: 'interleaved-rounds', clock: 'thread-cpu', latencyMsPerSample: ms, cpuMsPerSample: ms, wallMsPerSample: ms,
    speedup: { estimate, low, high }, cyclesPerSample: null, instructionsPerSample: null, rounds: 12, samplesPerUnit: 8,
    converged: true, cpu: 'test CPU', kernels: 'generic',
  };
}

/** harSet measured with intervals on the host: conf1 not shown faster, conf2's loss within noise. */
function harSetWithIntervals(): ConfigurationSet {
  const set = harSet();
  const measured: [number, number, number, [number, number]][] = [
    [1, 1, 1, [0, 0]],
    [0.98, 1.2, 1.43, [0.2, 0.8]],
    [1.08, 1.1, 1.12, [-0.3, 1.9]],
    [1.55, 1.6, 1.66, [1.1, 2.9]],
  ];
  set.configurations.forEach((c, i) => {
    const [low, estimate, high, loss] = measured[i];
    c.host = { ...c.host!, timing: timing(estimate, low, high), qosLossInterval: loss };
  });
  return set;
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

  it('sends the measured intervals, drawn as error bars around each point', () => {
    const set = harSetWithIntervals();
    const view = paretoView(set, 'f');
    assert.deepEqual(JSON.parse(JSON.stringify(view)), view, 'plain JSON crosses to the page');
    const host = view.series.find((s) => s.kind === 'host')!;
    const bars = errorBars(host);
    host.points.forEach((p, i) => {
      const m = set.configurations[i].host!;
      assert.deepEqual(p.speedupInterval, [m.timing!.speedup.low, m.timing!.speedup.high], p.name);
      assert.deepEqual(p.qosLossInterval, m.qosLossInterval, p.name);
      // Plotly draws [value − arrayminus, value + array].
      const close = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) < 1e-12, `${p.name} ${what}: ${a} ≠ ${b}`);
      close(p.speedup - bars.speedup!.arrayminus[i], m.timing!.speedup.low, 'speedup low');
      close(p.speedup + bars.speedup!.array[i], m.timing!.speedup.high, 'speedup high');
      close(p.qosLoss - bars.loss!.arrayminus[i], m.qosLossInterval![0], 'loss low');
      close(p.qosLoss + bars.loss!.array[i], m.qosLossInterval![1], 'loss high');
    });
    // The tuner's prediction has no interval: no bars on that series.
    const predicted = view.series.find((s) => s.kind === 'predicted')!;
    assert.equal(predicted.points.some((p) => p.speedupInterval || p.qosLossInterval || p.notes), false);
    assert.deepEqual(errorBars(predicted), {});
    // A device profile's intervals likewise.
    set.configurations[0].device = { ...set.configurations[0].host!, serial: 's', abi: 'x86_64' };
    set.configurations[3].device = {
      speedup: 1.02, qosLoss: 2.5, accuracy: 87.5, qosLossInterval: [1.5, 3.5], timing: timing(1.02, 0.97, 1.07), serial: 's', abi: 'x86_64',
    };
    const device = paretoView(set, 'f').series.find((s) => s.kind === 'device')!;
    assert.deepEqual(device.points[1], { ...device.points[1], speedupInterval: [0.97, 1.07], qosLossInterval: [1.5, 3.5], notes: ['not faster'] });
    assert.ok(Math.abs(errorBars(device).speedup!.arrayminus[1] - 0.05) < 1e-12);
    // A point measured before intervals gets NaN, which plotly draws no bar for (0 would draw a whisker).
    delete set.configurations[2].host!.timing;
    delete set.configurations[2].host!.qosLossInterval;
    const mixed = errorBars(paretoView(set, 'f').series.find((s) => s.kind === 'host')!);
    assert.ok(Number.isNaN(mixed.speedup!.array[2]) && Number.isNaN(mixed.speedup!.arrayminus[2]));
    assert.ok(Number.isNaN(mixed.loss!.array[2]) && Number.isNaN(mixed.loss!.arrayminus[2]));
    assert.ok(mixed.speedup!.array.filter((v, i) => i !== 2).every(Number.isFinite));
  });

  it('says in the hover the intervals and what they say: not faster, loss within noise', () => {
    const host = paretoView(harSetWithIntervals(), 'f').series.find((s) => s.kind === 'host')!;
    const hover = Object.fromEntries(host.points.map((p) => [p.name, pointHover(p)]));
    // conf1's speedup interval reaches 1.
    assert.deepEqual(host.points[1].notes, ['not faster']);
    assert.match(hover.conf1, /speedup 1\.20× \[0\.98, 1\.43\]<br>/);
    assert.match(hover.conf1, /QoS loss 0\.50 \[0\.20, 0\.80\] points<br>/);
    assert.match(hover.conf1, /<br>not faster$/);
    // conf2's loss interval holds 0 (a true minus sign), its speedup interval does not reach 1.
    assert.match(hover.conf2, /QoS loss 0\.80 \[\u22120\.30, 1\.90\] points<br>/);
    assert.match(hover.conf2, /<br>loss within noise$/);
    assert.doesNotMatch(hover.conf2, /not faster/);
    // Faster and a real loss: nothing to say. The exact configuration is the reference: no notes either.
    assert.equal(host.points[3].notes, undefined);
    assert.doesNotMatch(hover.conf3, /not faster|within noise/);
    assert.equal(host.points[0].notes, undefined);
    assert.equal(hover.conf0.split('<br>').length, 5, hover.conf0);
    // Hover lines keep to plotly's plain subset: the page's CSP refuses the style attributes of <b> and <i>.
    for (const text of Object.values(hover)) assert.doesNotMatch(text, /<(?!br>)/, text);
  });

  it('draws a set written before intervals without error bars', () => {
    const view = paretoView(harSet(), 'f');
    const host = view.series.find((s) => s.kind === 'host')!;
    assert.equal(host.points.some((p) => 'speedupInterval' in p || 'qosLossInterval' in p || 'notes' in p), false);
    for (const s of view.series) assert.deepEqual(errorBars(s), {}, s.kind);
    const conf1 = pointHover(host.points[1]);
    assert.equal(conf1, `conf1<br>speedup 1.20×<br>QoS loss 0.50 points<br>accuracy 89.50 %<br>knobs ${host.points[1].knobSummary}`);
  });

  it("joins each configuration's points across the series, and only those in two or more", () => {
    const view = paretoView(harSet(), 'f');
    const links = configurationLinks(view.series);
    // conf0 (predicted at ×1, 0 and host-measured) and conf1-3 (predicted and host): two points and a break each
    assert.equal(links.x.length, 4 * 3);
    const conf3 = view.series.map((s) => s.points.find((p) => p.name === 'conf3')!);
    assert.deepEqual(links.x.slice(9), [conf3[0].qosLoss, conf3[1].qosLoss, null]);
    assert.deepEqual(links.y.slice(9), [conf3[0].speedup, conf3[1].speedup, null]);
    const hostOnly = view.series.filter((s) => s.kind === 'host');
    assert.deepEqual(configurationLinks(hostOnly), { x: [], y: [] });
  });

  it('says in words when nothing beat exact where it was measured, and what a negative loss is', () => {
    assert.deepEqual(plotNotes(paretoView(harSet(), 'f')), []);
    const slow = harSet();
    slow.configurations = slow.configurations.map((c, i) => (i === 0 ? c : { ...c, host: { ...c.host!, speedup: 0.95 } }));
    assert.match(plotNotes(paretoView(slow, 'f')).join('\n'), /^Host-measured: no configuration beat the exact one\. Try a larger QoS threshold/);
    // faster by its estimate, but not for sure: the interval reaches below ×1
    const unsure = harSetWithIntervals();
    unsure.configurations = unsure.configurations.map((c, i) => (i === 0 ? c : { ...c, host: { ...c.host!, speedup: 1.02, timing: timing(1.02, 0.97, 1.07) } }));
    assert.match(plotNotes(paretoView(unsure, 'f')).join('\n'), /no configuration beat the exact one/);
    const better = harSet();
    better.configurations[1] = { ...better.configurations[1], host: { ...better.configurations[1].host!, qosLoss: -0.4 } };
    assert.match(plotNotes(paretoView(better, 'f')).join('\n'), /A negative loss is an approximation that was more accurate/);
  });

  it('summarises and tabulates the knob of each layer', () => {
    const set = harSet();
    const conf1 = set.configurations[1];
    const layer = conf1.layers.findIndex((slots) => slots[0].knob !== 11) + 1;
    assert.equal(knobSummary(conf1), `layer ${layer}: column perforation ×2 offset 0, fp32 (121)`);
    const detail = paretoView(set, 'f').configurations[1];
    assert.equal(detail.layers.length, set.model.layers.length);
    assert.deepEqual(detail.layers.filter((l) => l.approximated).map((l) => [l.layer, l.knob, l.ops]),
      [[layer, 'column perforation ×2 offset 0, fp32 (121)', 'conv + add + relu']]);
    const twoLayers = { ...conf1, layers: conf1.layers.map((slots, i) => (i === 0 || i === layer - 1 ? [{ ...slots[0], knob: 341 }, ...slots.slice(1)] : slots)) };
    assert.equal(knobSummary(twoLayers), `layers 1, ${layer}: filter sampling ×2 offset 0, int8 (341)`);
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
    assert.equal(isWebviewMessage({ type: 'cancel' }), true);
    assert.equal(isWebviewMessage({ type: 'profile', file: '/w/s.json', names: ['conf1'] }), true);
    assert.equal(isWebviewMessage({ type: 'bundle', file: '/w/s.json', names: [] }), true);
    assert.equal(isWebviewMessage({ type: 'compare', file: '/w/s.json', names: ['conf1', 'conf2'] }), true);
    for (const bad of [null, 'ready', { type: 'profile', names: ['conf1'] }, { type: 'bundle', file: 3, names: [] }, { type: 'profile', file: 'f', names: [1] }, { type: 'delete', file: 'f', names: [] }]) {
      assert.equal(isWebviewMessage(bad), false, JSON.stringify(bad));
    }
  });

  it('acts on the file of the panel\'s own set only, refusing any other path the page names', () => {
    const view = paretoView(harSet(), '/w/har.configs.json', 'har.configs.json');
    assert.deepEqual(pointActionFile('profile', view.file, '/w/har.configs.json'), { file: '/w/har.configs.json' });
    assert.deepEqual(pointActionFile('bundle', view.file, '/w/har.configs.json'), { file: '/w/har.configs.json' });
    for (const other of ['/w/other.configs.json', '/w/../w/har.configs.json', 'har.configs.json', '/etc/passwd', '']) {
      const r = pointActionFile('bundle', other, '/w/har.configs.json');
      assert.ok('refused' in r, other);
      assert.ok(r.refused.includes('/w/har.configs.json') && r.refused.includes(JSON.stringify(other)) && r.refused.includes('bundle'), r.refused);
    }
  });
});
