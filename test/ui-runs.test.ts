import * as assert from 'node:assert/strict';
import { CONFIGURATION_SET_FORMAT, ConfigurationSet } from '../src/core/knobs/configurationSet';
import { bundlePath, generatedSourcesPath, profiledSetPath, tunedSetPath } from '../src/ui/runs/outputPaths';
import { RunEntry, RunLog } from '../src/ui/runs/runLog';
import { formatAge, runNodes } from '../src/ui/runs/runTree';

function memory(initial: RunEntry[] = []): { runs: RunEntry[]; load(): RunEntry[]; save(r: RunEntry[]): void } {
  return {
    runs: initial,
    load() {
      return this.runs;
    },
    save(r) {
      this.runs = r;
    },
  };
}

const set = (figures: [number, number][], where: 'host' | 'device'): ConfigurationSet => ({
  format: CONFIGURATION_SET_FORMAT,
  version: 1,
  model: { name: 'har', sha256: '', inputShape: [1], layers: [['conv']] },
  baselineTime: 1,
  configurations: figures.map(([speedup, qosLoss], i) => ({
    name: `conf${i}`, speedup: 0, energy: 1, accuracy: 0, qosLoss: 0, layers: [[{ op: 'conv', knob: 11 }]],
    [where]: { speedup, qosLoss, accuracy: 90 - qosLoss, ...(where === 'device' ? { serial: 's', abi: 'x86_64' } : {}) },
  })),
});

describe('Runs view model', () => {
  it('records a tuning from start to result, newest first, and persists every change', () => {
    const storage = memory();
    const log = new RunLog(storage);
    let changes = 0;
    log.onChange(() => changes++);
    const a = log.start({ kind: 'tuning', model: '/w/har.onnx', configs: '/w/har.configs.json' }, 1000);
    const b = log.start({ kind: 'profiling', model: '/w/har.onnx', configs: '/w/har.profiled.json', device: '127.0.0.1:5555' }, 2000);
    assert.deepEqual(log.all.map((r) => r.id), [b.id, a.id]);
    log.finish(a.id, { status: 'done', set: set([[1, 0], [1.5, 1.2]], 'host') }, 9000);
    log.finish(b.id, { status: 'done', set: set([[1, 0], [2.5, 1.4]], 'device') }, 9500);
    assert.equal(changes, 4);
    assert.deepEqual(storage.runs, log.all);
    // A profiling reports the device's figures, a tuning the host's.
    assert.deepEqual(log.all[0].configurations![1], { name: 'conf1', speedup: 2.5, qosLoss: 1.4 });
    assert.deepEqual(log.all[1].configurations![1], { name: 'conf1', speedup: 1.5, qosLoss: 1.2 });
    assert.equal(log.latestResult()!.id, b.id);

    const [profiling, tuning] = runNodes(log.all, 69_000);
    assert.equal(profiling.label, 'Profiling har on 127.0.0.1:5555');
    assert.equal(tuning.label, 'Tuning har');
    assert.equal(tuning.description, '2 configurations, up to ×1.50 at 1.20 loss · 1 min ago');
    assert.equal(tuning.configs, '/w/har.configs.json');
    assert.deepEqual(tuning.children.map((c) => [c.label, c.description]), [['conf0', '×1.00 · loss 0.00'], ['conf1', '×1.50 · loss 1.20']]);
  });

  it('shows a running run\'s phase, share done and time left, saving it sparingly; a cancelled one what it kept', () => {
    const storage = memory();
    let saves = 0;
    const log = new RunLog({ load: () => [], save: (r) => (saves++, storage.save(r)) });
    const run = log.start({ kind: 'tuning', model: '/w/har.onnx', configs: '/w/har.configs.json' }, 0);
    assert.equal(runNodes(log.all, 0)[0].description, 'running…');
    log.progress(run.id, { message: 'Validating candidates (16/32)', fraction: 0.02 }, 3000);
    assert.equal(runNodes(log.all, 3000)[0].description, 'Validating candidates (16/32) · 2 %', 'too early for a pace');
    log.progress(run.id, { message: 'Validating candidates (17/32)', fraction: 0.1 }, 10_000);
    log.progress(run.id, { message: 'Validating candidates (18/32)', fraction: 0.25 }, 11_000);
    // 11 s for a quarter: 33 s left
    assert.equal(runNodes(log.all, 11_000)[0].description, 'Validating candidates (18/32) · 25 % · about 33 s left');
    assert.equal(saves, 3, 'the start and two progress writes 2 s apart or more');
    assert.equal(storage.runs[0].progress!.message, 'Validating candidates (17/32)');
    log.finish(run.id, { status: 'cancelled', set: set([[1, 0], [1.4, 0.6]], 'host') }, 12_000);
    assert.equal(log.all[0].progress, undefined);
    assert.equal(runNodes(log.all, 12_000)[0].description, 'cancelled, kept · 2 configurations, up to ×1.40 at 0.60 loss · 0 s ago');
  });

  it('a run still running when the window closed is shown as failed, and a failure keeps its reason', () => {
    const first = new RunLog(memory());
    const r = first.start({ kind: 'tuning', model: '/w/m.onnx', configs: '/w/m.configs.json' });
    const reopened = new RunLog(memory([...first.all]));
    assert.equal(reopened.all[0].status, 'failed');
    assert.match(reopened.all[0].error!, /window closed/);
    first.finish(r.id, { status: 'failed', error: 'The native runtime was not found' });
    const [node] = runNodes(first.all);
    assert.equal(node.status, 'failed');
    assert.equal(node.configs, undefined, 'nothing to plot');
    assert.match(node.tooltip, /native runtime was not found/);
    assert.equal(first.latestResult(), undefined);
  });

  it('keeps the 50 newest runs', () => {
    const log = new RunLog(memory());
    for (let i = 0; i < 60; i++) log.start({ kind: 'tuning', model: `/w/m${i}.onnx`, configs: 'c' }, i);
    assert.equal(log.all.length, 50);
    assert.equal(log.all[0].model, '/w/m59.onnx');
  });

  it('writes results beside their inputs', () => {
    assert.equal(tunedSetPath('/w/models/har.onnx'), '/w/models/har.configs.json');
    assert.equal(profiledSetPath('/w/models/har.configs.json'), '/w/models/har.profiled.json');
    assert.equal(profiledSetPath('/w/models/har.profiled.json'), '/w/models/har.profiled.json');
    assert.equal(generatedSourcesPath('/w/har.profiled.json', 'kotlin'), '/w/har-kotlin');
    assert.equal(bundlePath('/w/har.onnx'), '/w/har-android');
    assert.deepEqual([0, 59_000, 61_000, 7_200_000, 3 * 86_400_000].map(formatAge), ['0 s', '59 s', '1 min', '2 h', '3 d']);
  });
});
