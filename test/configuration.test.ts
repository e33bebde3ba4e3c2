import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MobiproxError } from '../src/core/errors';
import { Configuration, formatHpvm, parseHpvm } from '../src/core/knobs/configuration';
import { checkConfigurationsFit, readConfigurationSet } from '../src/core/knobs/configurationSet';

// The example of src/core/DESIGN.md §4, with confidence triples (all classes, then two classes).
const EXAMPLE = `0.0
+++++
conf1 1.5262 1.0 91.839 0.0169 0.9 0.95 0.6 0.8 0.9 0.5 0.7 0.75 0.55
1 gpu conv fp16 12 add fp16 12 relu fp16 12 pool_max fp32 11
2 gpu conv perf_fp16 160 add fp32 11 relu fp16 12 pool_max fp16 12
3 gpu mul fp16 12 add fp16 12
4 gpu softmax fp16 12
-----
+++++
conf2 2.5 1.0 90.0 1.8
1 gpu conv samp 236 add fp32 11 relu fp32 11 pool_max fp32 11
2 gpu conv perf 121 add fp32 11 relu fp32 11 pool_max fp32 11
3 gpu mul fp32 11 add fp32 11
4 gpu softmax fp32 11
-----
`;

describe('configuration files (ApproxTuner/HPVM text)', () => {
  it('parses the header, the confidence triples and every slot', () => {
    const f = parseHpvm(EXAMPLE);
    assert.equal(f.configurations.length, 2);
    const [c1, c2] = f.configurations;
    assert.deepEqual([c1.name, c1.speedup, c1.energy, c1.accuracy, c1.qosLoss], ['conf1', 1.5262, 1, 91.839, 0.0169]);
    assert.deepEqual(c1.confidence, [
      { mean: 0.9, correct: 0.95, wrong: 0.6 }, { mean: 0.8, correct: 0.9, wrong: 0.5 }, { mean: 0.7, correct: 0.75, wrong: 0.55 },
    ]);
    assert.deepEqual(c1.layers[1], [
      { op: 'conv', knob: 160 }, { op: 'add', knob: 11 }, { op: 'relu', knob: 12 }, { op: 'pool_max', knob: 12 },
    ]);
    assert.equal(c2.confidence, undefined);
    assert.equal(c2.layers[0][0].knob, 236);
  });

  it('round-trips text → objects → text → objects', () => {
    const once = parseHpvm(EXAMPLE);
    assert.deepEqual(parseHpvm(formatHpvm(once)), once);
  });

  it('points at the line of a malformed file', () => {
    const bad: [string, RegExp][] = [
      ['x\n', /:1: the first line must be the baseline time/],
      ['0.0\n+++++\nconf1 1 1 90\n', /:3: a configuration header is/],
      ['0.0\n+++++\nconf1 1 1 90 0 0.5\n', /:3: conf1 has 1 confidence values/],
      ['0.0\n+++++\nconf1 1 1 90 0\n1 gpu conv perf 12\n-----\n', /:4: conf1: knob 12 is fp16, not perf/],
      ['0.0\n+++++\nconf1 1 1 90 0\n2 gpu conv fp32 11\n-----\n', /:4: conf1: expected layer 1, found '2'/],
      ['0.0\n+++++\nconf1 1 1 90 0\n1 gpu conv fp32 99\n-----\n', /:4: conf1: 99 is not an approximation knob id/],
      ['0.0\n+++++\nconf1 1 1 90 0\n1 gpu conv fp32 11\n', /conf1 is not closed by '-----'/],
    ];
    for (const [text, message] of bad) assert.throws(() => parseHpvm(text, 'c.txt'), message, message.source);
  });
});

describe('configuration files: missing confidence means', () => {
  const text = `0.0
+++++
conf1 1.5 1.0 90.0 1.0 0.8 0.9 0.4 0.7 0.7 nan
1 gpu conv fp16 12
-----
`;

  it('reads `nan` as a mean over no predictions (null) and writes null back as `nan`', () => {
    const f = parseHpvm(text);
    assert.deepEqual(f.configurations[0].confidence, [{ mean: 0.8, correct: 0.9, wrong: 0.4 }, { mean: 0.7, correct: 0.7, wrong: null }]);
    const again = formatHpvm(f);
    assert.match(again.split('\n')[2], / 0\.7 0\.7 nan$/);
    assert.deepEqual(parseHpvm(again), f);
  });

  it('still refuses `nan` among the four figures of the header and any other word among the means', () => {
    assert.throws(() => parseHpvm(text.replace('90.0', 'nan'), 'c.txt'), /c\.txt:3: 'nan' in the header of conf1 is not a number/);
    assert.throws(() => parseHpvm(text.replace(' nan', ' null'), 'c.txt'), /c\.txt:3: 'null' in the header of conf1 is not a number/);
  });
});

describe('configuration sets (Mobiprox JSON): checked when read', () => {
  let dir: string;
  const layers = [['conv', 'add', 'relu', 'pool_max'], ['mul', 'add'], ['softmax']];
  const exactLayers = () => layers.map((ops) => ops.map((op) => ({ op, knob: 11 })));
  const setWith = (configurations: unknown[]) => ({
    format: 'mobiprox-configurations', version: 1, model: { name: 'm', sha256: '', inputShape: [1, 8, 8], layers }, baselineTime: 0,
    configurations,
  });
  const conf = (name: string, l: unknown = exactLayers()) => ({ name, speedup: 1, energy: 1, accuracy: 90, qosLoss: 0, layers: l });
  /** Writes the set and returns the message of reading it. */
  const readError = (configurations: unknown[]): string => {
    const file = path.join(dir, 'my set.json');
    fs.writeFileSync(file, JSON.stringify(setWith(configurations)));
    try {
      readConfigurationSet(file);
    } catch (e) {
      assert.ok(e instanceof MobiproxError, `not a MobiproxError: ${(e as Error).stack}`);
      assert.ok(e.message.startsWith(`${file}: `), `'${e.message}' does not name the file`);
      return e.message;
    }
    assert.fail('the set was accepted');
  };

  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-set-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('names the configuration and the layer of null and empty layers and slots', () => {
    assert.match(readError([conf('conf0'), conf('conf1', null)]), /configuration conf1 \(2 of 2\): layers is null/);
    const empty = exactLayers() as unknown[];
    empty[1] = {};
    assert.match(readError([conf('conf0'), conf('conf1', empty)]), /configuration conf1 \(2 of 2\), layer 2: is \{\}/);
    const emptySlot = exactLayers() as unknown[][];
    emptySlot[0][2] = {};
    assert.match(readError([conf('conf0', emptySlot)]), /configuration conf0 \(1 of 1\), layer 1: slot 3: is \{\}/);
    assert.match(readError([null]), /configuration 1: is null, not an object/);
  });

  it("names a configuration's malformed per-sample outcomes and a malformed calibration", () => {
    const samples = (v: unknown) => readError([{ ...conf('conf0'), samples: v }]);
    assert.match(samples({ predictions: null }), /configuration conf0 \(1 of 1\): samples is \{"predictions":null\}; it holds "predictions" and "confidences"/);
    assert.match(samples({ predictions: [0, 1], confidences: [0.5] }), /samples has 2 predictions but 1 confidences/);
    assert.match(samples({ predictions: [0, -1], confidences: [0.5, 0.5] }), /samples\.predictions\[1\] is -1, not a class index/);
    assert.match(samples({ predictions: [0], confidences: ['high'] }), /samples\.confidences\[0\] is "high", not a number/);
    const calibrated = (calibration: unknown) => {
      const file = path.join(dir, 'my set.json');
      fs.writeFileSync(file, JSON.stringify({ ...setWith([conf('conf0'), conf('conf1')]), calibration }));
      try {
        readConfigurationSet(file);
      } catch (e) {
        assert.ok(e instanceof MobiproxError && e.message.startsWith(`${file}: calibration: `), String(e));
        return e.message;
      }
      return assert.fail('the calibration was accepted');
    };
    const thresholds = { lessBelow: [[null, 0.5]], moreAbove: [[0.9, null]] };
    assert.match(calibrated({ temperatures: 'x', thresholds }), /temperatures is "x"; it holds one positive temperature per configuration \(2\)/);
    assert.match(calibrated({ temperatures: [1], thresholds }), /temperatures is \[1\]/);
    assert.match(calibrated({ temperatures: [1, 1.5] }), /thresholds is missing; it holds "lessBelow" and "moreAbove"/);
    const file = path.join(dir, 'good.json');
    fs.writeFileSync(file, JSON.stringify({ ...setWith([{ ...conf('conf0'), samples: { predictions: [0, 2], confidences: [0.9, null] } }, conf('conf1')]),
      calibration: { temperatures: [1, 1.5], thresholds } }));
    assert.equal(readConfigurationSet(file).configurations.length, 2);
  });

  it('names an unknown knob id, a wrong op, a missing layer and a bad figure with their configuration and layer', () => {
    const unknown = exactLayers();
    unknown[0][0].knob = 999;
    assert.match(readError([conf('conf7', unknown)]), /configuration conf7 \(1 of 1\), layer 1: slot 1 \(conv\): 999 is not an approximation knob id/);
    const wrongOp = exactLayers();
    wrongOp[1][0].op = 'conv';
    assert.match(readError([conf('c', wrongOp)]), /configuration c \(1 of 1\), layer 2: slot 1: op is 'conv', but the model's is 'mul'/);
    assert.match(readError([conf('c', exactLayers().slice(1))]), /configuration c \(1 of 1\): has 2 layers, but the model has 3/);
    assert.match(readError([{ ...conf('c'), speedup: 'fast' }]), /configuration c \(1 of 1\): speedup is "fast", not a number/);
    assert.match(readError([conf('two words')]), /configuration 1: the name "two words" must be a word/);
  });

  it('checks a set against a compiled model: ops and the knobs each layer takes', () => {
    const model = [
      { index: 1, name: 'conv1', op: 'conv', slots: layers[0].map((op) => ({ op })), knobs: [11, 12, 121] },
      { index: 2, name: 'fc', op: 'mul', slots: layers[1].map((op) => ({ op })), knobs: [11, 12] },
      { index: 3, name: 'sm', op: 'softmax', slots: layers[2].map((op) => ({ op })), knobs: [11, 12] },
    ];
    const fits = (l: { op: string; knob: number }[][]) => () =>
      checkConfigurationsFit([conf('confX', l) as Configuration], model, 'set.json', 'm.onnx');
    fits(exactLayers())();
    const perforatedDense = exactLayers();
    perforatedDense[1][0].knob = 121;
    assert.throws(fits(perforatedDense), /^MobiproxError: set\.json: configuration confX \(1 of 1\), layer 2 \(mul 'fc'\): knob 121 does not apply to its mul \(it takes 11 12\)/);
    const halfBias = exactLayers();
    halfBias[0][1].knob = 121;
    assert.throws(fits(halfBias), /layer 1 \(conv 'conv1'\): knob 121 does not apply to its slot 2, add/);
    assert.throws(fits(exactLayers().slice(0, 2)), /set\.json: configuration confX \(1 of 1\) has 2 layers, but m\.onnx has 3/);
  });
});
