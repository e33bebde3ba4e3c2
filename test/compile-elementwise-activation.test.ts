import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { compileModel } from '../src/core/compile';
import { lowerGraph } from '../src/core/compile/lower';
import { OpType } from '../src/core/compile/formatTable';
import { loadOnnx } from '../src/core/onnx/load';
import { runImportPasses } from '../src/core/onnx/passes';
import { fuseActivation } from '../src/core/onnx/passes/fuseActivation';
import { roundHalf } from './support/binary16';
import { locateMpxrun } from '../src/core/runtime/mpxrun';
import { EngineCase, requireRuntime } from './support/engine';
import { importUntil, ops } from './support/importer';
import { knobName } from './support/knobReference';
import { OnnxBuilder } from './support/onnxBuilder';
import { Random } from './support/random';

/** x → Tanh → `op`(x, tanh) → activation: an element-wise op of two activations followed by its activation. */
function residual(op: string, act: 'Relu' | 'LeakyRelu' | 'Clip') {
  const b = new OnnxBuilder(13);
  const x = b.input('x', [null, 3, 20]);
  const [t] = b.node('Tanh', [x], {}, 'tanh');
  const [s] = b.node(op, [x, t], {}, 'residual');
  const extra = act === 'Clip' ? [b.constant('lo', [], [-0.3]), b.constant('hi', [], [0.45])] : [];
  const [y] = b.node(act, [s, ...extra], act === 'LeakyRelu' ? { alpha: 0.1 } : {}, 'act');
  b.output(y);
  return b.build();
}

describe('activations fused into element-wise ops', () => {
  it('fuseActivation folds the only reader Relu of an Add into its act attribute', () => {
    const g = importUntil(residual('Add', 'Relu'), 'fuseActivation');
    fuseActivation(g);
    assert.deepEqual(ops(g), ['Tanh', 'Add']);
    assert.equal(g.nodes[1].attrs.act, 1);
    assert.equal(g.nodes[1].fused?.activation, 'act');
  });

  it('keeps a Relu that is not the only reader of the Add', () => {
    const b = new OnnxBuilder(13);
    const x = b.input('x', [null, 4]);
    const [s] = b.node('Add', [x, x], {}, 'add');
    const [r] = b.node('Relu', [s], {}, 'relu');
    b.output(b.node('Mul', [r, s], {}, 'mul')[0]);
    const g = importUntil(b.build(), 'fuseActivation');
    fuseActivation(g);
    assert.deepEqual(ops(g), ['Add', 'Relu', 'Mul']);
  });

  it('writes act on the op and keeps the add and the activation as two HPVM lines', () => {
    const m = compileModel(residual('Sub', 'Clip'));
    assert.deepEqual(m.layers.map((l) => l.slots.map((s) => s.op)), [['tanh'], ['sub'], ['clip']]);
    assert.deepEqual(m.layers.map((l) => l.name), ['tanh', 'residual', 'act']);
    assert.deepEqual(m.layers[2].knobs, [11, 12]);
    const plain = compileModel((() => {
      const b = new OnnxBuilder(13);
      const x = b.input('x', [null, 4]);
      b.output(b.node('Add', [x, x], {}, 'add')[0]);
      return b.build();
    })());
    assert.deepEqual(plain.layers.map((l) => l.slots.map((s) => s.op)), [['add']]);
  });

  /**
   * FORMAT.md's result, exact per element: the op on x and the runtime's own tanh of x (an fp32 layer), then
   * the activation; h rounds to binary16 when the step is fp16, and JavaScript's double arithmetic rounded
   * by Math.fround is float32 arithmetic for one operation.
   */
  function expected(x: Float32Array, t: Float32Array, op: (p: number, q: number) => number,
    act: (v: number, half: boolean) => number, opHalf: boolean, actHalf: boolean): number[] {
    const h = (v: number, on: boolean) => (on ? roundHalf(v) : v);
    return Array.from(x, (a, i) => {
      const s = h(Math.fround(op(h(a, opHalf), h(t[i], opHalf))), opHalf);
      return h(act(h(s, actHalf), actHalf), actHalf);
    });
  }

  const CASES: { op: string; act: 'Relu' | 'LeakyRelu' | 'Clip'; f: (p: number, q: number) => number; g: (v: number, half: boolean) => number }[] = [
    { op: 'Add', act: 'Relu', f: (p, q) => p + q, g: (v) => Math.max(v, 0) },
    { op: 'Mul', act: 'LeakyRelu', f: (p, q) => p * q, g: (v, half) => (v < 0 ? Math.fround(v * (half ? roundHalf(0.1) : Math.fround(0.1))) : v) },
    { op: 'Sub', act: 'Clip', f: (p, q) => p - q, g: (v, half) => Math.min(Math.max(v, half ? roundHalf(-0.3) : Math.fround(-0.3)), half ? roundHalf(0.45) : Math.fround(0.45)) },
  ];

  CASES.forEach((c) => {
    it(`${c.op} + ${c.act}: each of the two lines switches its own step to binary16`, async function () {
      requireRuntime(this);
      const engine = EngineCase.compile(residual(c.op, c.act), `fused-${c.op}`);
      try {
        const r = new Random(71);
        const samples = 3;
        const x = Float32Array.from(r.normals(samples * 60));
        const input = engine.writeInput(x, [samples, 3, 20]);
        // the runtime's own tanh (an fp32 layer in every configuration) is the reference's operand
        const tanhOnly = EngineCase.compile((() => {
          const b = new OnnxBuilder(13);
          b.output(b.node('Tanh', [b.input('x', [null, 3, 20])], {}, 'tanh')[0]);
          return b.build();
        })(), 'tanh');
        let tanhs: Float32Array;
        try {
          tanhs = (await tanhOnly.run(tanhOnly.writeInput(x, [samples, 3, 20]))).outputs;
        } finally {
          tanhOnly.dispose();
        }
        const kinds = engine.model.layers.map((l) => l.slots[0].op);
        const config = (name: string, opKnob: number, actKnob: number) => [
          '+++++', `${name} 1.0 1.0 0.0 0.0`, `1 gpu ${kinds[0]} fp32 11`,
          `2 gpu ${kinds[1]} ${knobName(opKnob)} ${opKnob}`, `3 gpu ${kinds[2]} ${knobName(actKnob)} ${actKnob}`, '-----',
        ];
        const text = ['0.0', ...config('exact', 11, 11), ...config('op', 12, 11), ...config('act', 11, 12), ...config('both', 12, 12), ''].join('\n');
        const want = (opHalf: boolean, actHalf: boolean) => expected(x, tanhs, c.f, c.g, opHalf, actHalf);
        assert.notDeepEqual(want(false, true), want(false, false), 'the cases tell a binary16 activation from a float32 one');
        for (const [name, opHalf, actHalf] of [['exact', false, false], ['op', true, false], ['act', false, true], ['both', true, true]] as const) {
          for (const threads of [1, 2]) {
            const run = await engine.run(input, { configText: text, config: name, threads, batch: 2 });
            assert.deepEqual(Array.from(run.outputs), want(opHalf, actHalf), `${name}, ${threads} threads`);
          }
        }
      } finally {
        engine.dispose();
      }
    });
  });

  it('the loader accepts an activation slot on an element-wise op only where the op has an activation', function () {
    requireRuntime(this);
    const engine = EngineCase.compile(residual('Add', 'Relu'), 'slots');
    try {
      const info = (file: string) => {
        try {
          return { ok: true, text: execFileSync(locateMpxrun(), ['info', file], { stdio: 'pipe' }).toString() };
        } catch (e) {
          return { ok: false, text: String((e as { stderr?: Buffer }).stderr) };
        }
      };
      const good = info(engine.mpxmPath);
      assert.ok(good.ok, good.text);
      assert.deepEqual(JSON.parse(good.text).layers.map((l: { slots: { op: string }[] }) => l.slots.map((s) => s.op)), [['tanh'], ['add'], ['relu']]);
      // the last layer record: one slot, relu (5), part 2, op 1 (the ADD); point it at op 0 (the TANH)
      const bytes = Buffer.from(engine.model.mpxm);
      const record = Buffer.from([1, 0, 0, 0, 5, 2, 0, 0, 1, 0, 0, 0]);
      const at = bytes.indexOf(record);
      assert.ok(at > 0 && bytes.indexOf(record, at + 1) < 0, 'the relu layer record is found once');
      bytes.writeUInt32LE(0, at + 8);
      bytes.writeUInt32LE(zlib.crc32(bytes.subarray(0, bytes.length - 4)), bytes.length - 4);
      const bad = path.join(engine.dir, 'bad.mpxm');
      fs.writeFileSync(bad, bytes);
      const rejected = info(bad);
      assert.ok(!rejected.ok);
      assert.match(rejected.text, /layer 3 slot 1 controls part 2 of op 0 .*TANH.*no such fused step/);
    } finally {
      engine.dispose();
    }
  });

  it('compiles the residual Add + Relu of resnet-style blocks into one ADD op', () => {
    const b = new OnnxBuilder(13);
    const x = b.input('x', [null, 2, 4, 4]);
    const [c] = b.node('Conv', [x, b.constant('w', [2, 2, 3, 3], new Array(36).fill(0.1)), b.constant('b', [2], [0, 1])], { pads: [1, 1, 1, 1] }, 'conv');
    const [s] = b.node('Add', [c, x], {}, 'add');
    b.output(b.node('Relu', [s], {}, 'relu')[0]);
    const onnx = b.build();
    assert.deepEqual(compileModel(onnx).layers.map((l) => l.slots.map((s) => s.op).join(' ')), ['conv add', 'add', 'relu']);
    const program = lowerGraph(runImportPasses(loadOnnx(onnx, 'residual')));
    assert.deepEqual(program.ops.map((o) => o.type), [OpType.CONV, OpType.ADD]);
    const add = program.ops[1];
    assert.deepEqual([add.iattrs, add.fattrs], [[1], [0, 0]]);
  });
});
