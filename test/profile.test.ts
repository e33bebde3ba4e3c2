/**
 * `mpxrun profile` loads a model once and switches configurations between passes (src/core/DESIGN.md §1): every
 * configuration's predictions and confidences must be what a separate `mpxrun run` of that configuration
 * computes, whatever ran before it, and its statistics must follow from them (accuracy, confidence means
 * over all, correct and wrong predictions, and per predicted class). Likewise warm-up and repeated passes
 * of `mpxrun run` must not change what a single pass computes, and --limit takes the first samples.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeNpy } from '../src/core/data/npy';
import { ProfileRecord, profileModel } from '../src/core/runtime/mpxrun';
import { EngineCase, requireRuntime } from './support/engine';
import { knobName } from './support/knobReference';
import { OnnxBuilder } from './support/onnxBuilder';
import { assertClose } from './support/compare';
import { Random } from './support/random';
import { runReference } from './support/reference';

const SAMPLES = 40;
const CLASSES = 5;

function network(r: Random): Uint8Array {
  const b = new OnnxBuilder(13);
  const x = b.input('x', [null, 2, 12, 12]);
  const [c1] = b.node('Conv', [x, b.constant('w1', [4, 2, 3, 3], r.normals(72, 0.5)), b.constant('b1', [4], r.normals(4, 0.1))], { pads: [1, 1, 1, 1] }, 'conv1');
  const [p1] = b.node('MaxPool', [b.node('Relu', [c1], {}, 'relu1')[0]], { kernel_shape: [2, 2], strides: [2, 2] }, 'pool1');
  const [c2] = b.node('Conv', [p1, b.constant('w2', [6, 4, 3, 3], r.normals(216, 0.4)), b.constant('b2', [6], r.normals(6, 0.1))], {}, 'conv2');
  const [g] = b.node('GlobalAveragePool', [b.node('Relu', [c2], {}, 'relu2')[0]], {}, 'gap');
  const [f] = b.node('Flatten', [g], {}, 'flatten');
  const [y] = b.node('Gemm', [f, b.constant('wd', [CLASSES, 6], r.normals(30, 1.5)), b.constant('bd', [CLASSES], r.normals(CLASSES, 0.2))], { transB: 1 }, 'dense');
  b.output(y);
  return b.build();
}

/** Knob per layer (by layer index) for each configuration; unlisted layers and non-conv slots are exact. */
const CONFIGS: { name: string; conv: Record<number, number>; rest: number }[] = [
  { name: 'exact', conv: {}, rest: 11 },
  { name: 'perforated', conv: { 1: 121, 2: 236 }, rest: 11 },
  { name: 'half', conv: { 1: 12, 2: 12 }, rest: 12 },
  { name: 'mixed', conv: { 1: 269, 2: 155 }, rest: 11 },
  { name: 'rows', conv: { 1: 135 }, rest: 12 },
];

function configurationText(engine: EngineCase): string {
  const out = ['0.0'];
  for (const c of CONFIGS) {
    out.push('+++++', `${c.name} 1.0 1.0 0.0 0.0`);
    for (const layer of engine.model.layers) {
      const slots = layer.slots.map((s, i) => {
        const k = i === 0 && c.conv[layer.index] !== undefined ? c.conv[layer.index] : c.rest;
        return `${s.op} ${knobName(k)} ${k}`;
      });
      out.push(`${layer.index} gpu ${slots.join(' ')}`);
    }
    out.push('-----');
  }
  return out.join('\n') + '\n';
}

function softmaxMax(row: Float32Array): number {
  const m = Math.max(...row);
  const e = Array.from(row, (v) => Math.exp(v - m));
  return Math.max(...e) / e.reduce((a, b) => a + b, 0);
}

const mean = (v: number[]) => (v.length === 0 ? null : v.reduce((a, b) => a + b, 0) / v.length);

function assertNear(got: number | null, want: number | null, what: string): void {
  if (want === null) return assert.equal(got, null, `${what}: expected null`);
  assert.ok(got !== null && Math.abs(got - want) <= 1e-5, `${what}: ${got}, expected ${want}`);
}

describe('configuration switching (mpxrun profile)', function () {
  this.timeout(120_000);

  it('reproduces each configuration of a separate run, in any order, with consistent statistics', async function () {
    requireRuntime(this);
    const r = new Random(77);
    const engine = EngineCase.compile(network(r), 'switching');
    try {
      const x = r.normals(SAMPLES * 2 * 12 * 12);
      const labels = Int32Array.from({ length: SAMPLES }, () => r.int(0, CLASSES - 1));
      const input = engine.writeInput(x, [SAMPLES, 2, 12, 12]);
      const labelsFile = path.join(engine.dir, 'labels.npy');
      writeNpy(labelsFile, { dtype: 'int32', shape: [SAMPLES], data: labels });
      const configs = path.join(engine.dir, 'configs.txt');
      const text = configurationText(engine);
      fs.writeFileSync(configs, text);

      const records: ProfileRecord[] = [];
      // Exact last as well as first: a plan built for an approximation must not leak into a later pass.
      for await (const rec of profileModel(engine.mpxmPath, input, labelsFile, configs, { perSample: true, batch: 4, threads: 2, only: [3, 1, 0, 4, 2] })) {
        records.push(rec);
      }
      assert.deepEqual(records.map((x) => x.index).sort(), [0, 1, 2, 3, 4]);

      const distinct = new Set<string>();
      for (const rec of records) {
        const c = CONFIGS[rec.index];
        assert.equal(rec.name, c.name);
        const run = await engine.run(input, { configText: text, config: c.name, batch: 3, threads: 1 });
        const rows = Array.from({ length: SAMPLES }, (_, s) => run.outputs.subarray(s * CLASSES, (s + 1) * CLASSES));
        const predictions = rows.map((row) => row.indexOf(Math.max(...row)));
        const confidences = rows.map(softmaxMax);
        distinct.add(Array.from(run.outputs.subarray(0, 10)).join(','));

        assert.deepEqual(rec.predictions, predictions, `${c.name}: profile predictions differ from run`);
        confidences.forEach((v, s) => assertNear(rec.confidences![s], v, `${c.name} confidence of sample ${s}`));
        const correct = predictions.map((p, s) => p === labels[s]);
        assert.equal(rec.correct, correct.filter(Boolean).length);
        assertNear(rec.accuracy, (100 * rec.correct) / SAMPLES, `${c.name} accuracy`);
        assertNear(rec.confidence.mean, mean(confidences), `${c.name} mean confidence`);
        assertNear(rec.confidence.correct, mean(confidences.filter((_, s) => correct[s])), `${c.name} confidence of correct`);
        assertNear(rec.confidence.wrong, mean(confidences.filter((_, s) => !correct[s])), `${c.name} confidence of wrong`);
        assert.equal(rec.confidence.perClass.length, CLASSES);
        rec.confidence.perClass.forEach((pc, k) => {
          const mine = (s: number) => predictions[s] === k;
          assertNear(pc.mean, mean(confidences.filter((_, s) => mine(s))), `${c.name} class ${k} mean`);
          assertNear(pc.correct, mean(confidences.filter((_, s) => mine(s) && correct[s])), `${c.name} class ${k} correct`);
          assertNear(pc.wrong, mean(confidences.filter((_, s) => mine(s) && !correct[s])), `${c.name} class ${k} wrong`);
        });
      }
      assert.equal(distinct.size, CONFIGS.length, 'some configurations computed identical outputs');
    } finally {
      engine.dispose();
    }
  });
});

describe('repeated passes and --limit (mpxrun run)', function () {
  this.timeout(60_000);

  /** Graphs whose first op may alias the input (a view) and whose later ops could write through it. */
  const graphs: { name: string; input: number[]; build(b: OnnxBuilder, x: string, r: Random): string }[] = [
    { name: 'Reshape of the input, then element-wise ops that reuse it', input: [4, 6], build: (b, x) => {
      const [v] = b.node('Reshape', [x, b.constant('s', [2], [0, -1], 'int64')]);
      const [t] = b.node('Tanh', [v]);
      return b.node('Add', [b.node('Mul', [t, v])[0], v])[0];
    } },
    { name: 'Flatten of the input into a dense layer and a residual', input: [3, 4], build: (b, x, r) => {
      const [f] = b.node('Flatten', [x]);
      const [d] = b.node('Gemm', [f, b.constant('w', [12, 12], r.normals(144, 0.3)), b.constant('b', [12], r.normals(12, 0.1))], { transB: 1 });
      return b.node('Add', [b.node('Relu', [d])[0], f])[0];
    } },
  ];

  graphs.forEach((c, index) => {
    it(c.name, async function () {
      requireRuntime(this);
      const r = new Random(90 + index);
      const b = new OnnxBuilder(13);
      b.output(c.build(b, b.input('x', [null, ...c.input]), r));
      const onnx = b.build();
      const samples = 5;
      const dims = [samples, ...c.input];
      const x = r.normals(dims.reduce((p, q) => p * q, 1));
      const [ref] = await runReference(onnx, x, dims);
      const engine = EngineCase.compile(onnx, `repeat${index}`);
      try {
        const input = engine.writeInput(x, dims);
        const once = await engine.run(input, { batch: 2, threads: 2, warmup: 0, repeat: 1 });
        const many = await engine.run(input, { batch: 2, threads: 2, warmup: 3, repeat: 4 });
        assertClose(once.outputs, ref.data, 1e-4, 'one pass');
        assert.deepEqual(Array.from(many.outputs), Array.from(once.outputs), 'warm-up and repeated passes changed the outputs');
        const limited = await engine.run(input, { batch: 2, threads: 1, limit: 3 });
        assert.equal(limited.record.samples, 3);
        assert.deepEqual(limited.shape[0], 3);
        assertClose(limited.outputs, ref.data.subarray(0, limited.outputs.length), 1e-4, '--limit 3');
      } finally {
        engine.dispose();
      }
    });
  });
});
