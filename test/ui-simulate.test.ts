import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { profileOnHost } from '../src/core/adapt/hostProfile';
import { relativeCosts } from '../src/core/adapt/profiledSet';
import { readNpy, writeNpy } from '../src/core/data/npy';
import { toNumbers } from '../src/core/data/ndarray';
import { exactConfiguration } from '../src/core/knobs/configuration';
import { readConfigurationSet, writeConfigurationSet } from '../src/core/knobs/configurationSet';
import { prepareData } from '../src/core/runtime/prepare';
import { simulateProfiledSet } from '../src/ui/timeline/simulateProfiledSet';

const MEDIA = path.resolve(__dirname, '../../media');
const MODEL = path.join(MEDIA, 'models/har-mobiprox.onnx');
const X = path.join(MEDIA, 'data/har-test-x.npy');
const Y = path.join(MEDIA, 'data/har-test-y.npy');
const SUBJECTS = path.join(MEDIA, 'data/har-test-subject.npy');

describe('Simulate Strategy: a profiled set replayed into the timeline panel', () => {
  let dir: string;
  let profile: string;

  before(async function () {
    this.timeout(300_000);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-ui-simulate-'));
    const data = prepareData({ model: MODEL, input: X, labels: Y });
    try {
      const exact = exactConfiguration(data.model.layers.map((l) => l.slots.map((s) => s.op)));
      // Half precision on every convolution: a cheaper configuration that mostly agrees with the exact one.
      const half = { ...exact, name: 'conf1', layers: exact.layers.map((slots) => slots.map((s, i) => (i === 0 && s.op === 'conv' ? { ...s, knob: 12 } : s))) };
      const { set } = await profileOnHost(MODEL, data, [exact, half], { threads: 1, timing: { maxSeconds: 2 } });
      profile = path.join(dir, 'har.profiled.json');
      writeConfigurationSet(profile, set);
    } finally {
      data.dispose();
    }
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('one trace per subject, each choice of the strategy on the timeline', () => {
    const view = simulateProfiledSet({ profile, labels: Y, traceBy: SUBJECTS, strategy: { kind: 'naive' }, label: 'har.profiled.json' });
    const subjects = Array.from(toNumbers(readNpy(SUBJECTS)));
    assert.equal(view.traces.length, new Set(subjects).size);
    assert.equal(view.traces.reduce((n, t) => n + t.index.length, 0), subjects.length);
    assert.equal(view.strategy, 'naive, linear');
    assert.deepEqual(view.configurations.map((c) => c.name), ['conf0', 'conf1']);
    assert.equal(view.configurations[0].cost, 1);
    for (const t of view.traces) {
      assert.ok(t.index.every((k) => k === 0 || k === 1));
      assert.ok(t.index.includes(1), `${t.name}: the naive strategy approximates while predictions repeat`);
      assert.equal(t.cumulativeSaving.length, t.index.length);
    }
  });

  it('carries the budget strategy\'s warning when no configuration fits, none when one does', () => {
    const costs = relativeCosts(readConfigurationSet(profile));
    const cheapest = costs.indexOf(Math.min(...costs));
    const tight = simulateProfiledSet({ profile, labels: Y, strategy: { kind: 'budget', budget: Math.min(...costs) / 2 } });
    assert.equal(tight.warnings?.length, 1);
    assert.match(tight.warnings![0], new RegExp(`^No configuration fits the budget [\\d.]+: the cheapest, conf${cheapest}, costs ${costs[cheapest].toFixed(3)} of the exact one`));
    assert.ok(tight.traces[0].index.slice(1).every((k) => k === cheapest));
    assert.deepEqual(simulateProfiledSet({ profile, labels: Y, strategy: { kind: 'budget', budget: 1 } }).warnings, []);
  });

  it('refuses labels that are not those of the profiled samples, saying why', () => {
    const y = readNpy(Y);
    const short = path.join(dir, 'short-y.npy');
    writeNpy(short, { ...y, shape: [100], data: y.data.slice(0, 100) } as typeof y);
    assert.throws(
      () => simulateProfiledSet({ profile, labels: short, strategy: { kind: 'naive' } }),
      /conf0 has \d+ recorded outcomes for 100 labels: the set was profiled on other data/,
    );
    assert.throws(() => simulateProfiledSet({ profile, labels: X, strategy: { kind: 'naive' } }), /must hold one integer per sample, shape \[N\]/);
  });
});
