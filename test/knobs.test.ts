/**
 * Every approximation knob (src/core/DESIGN.md §2) on convolutions of many shapes, selected through an
 * ApproxTuner/HPVM configuration file, against the independent reference of support/knobReference.ts.
 *
 * Tolerances. A layer computed entirely in fp32 must match within 1e-4·max(1, max|ref|): the reference
 * accumulates in float64, the runtime in float32 in its own order. A layer with any fp16 step is held to
 * a per-element bound instead: the float32 accumulation error bound γ_n·Σ|x·w| carried through each binary16
 * rounding as an interval (see ReferenceLayer.errorBound). So an output may differ from the reference by
 * one binary16 ulp only where the exact value sits within float32 noise of a binary16 rounding boundary,
 * and elsewhere it must be the very same binary16 number: rounding at the wrong step, or not at all,
 * fails.
 */
import { strict as assert } from 'node:assert';
import { CompiledModel, LayerInfo } from '../src/core/compile';
import { deviation, assertClose } from './support/compare';
import { EngineCase, requireRuntime } from './support/engine';
import {
  ALL_KNOB_IDS, Activation, ConvGeometry, LayerKnobs, decodeKnob, droppedElements, fillSources, knobApplies, knobName,
  outputSize, referenceConvLayer,
} from './support/knobReference';
import { roundHalf } from './support/binary16';
import {
  HalfResult, affineHalf, binaryHalf, denseHalf, poolHalf, softmaxHalf, unaryHalf,
} from './support/halfOpsReference';
import { OnnxBuilder } from './support/onnxBuilder';
import { Random } from './support/random';

const N = 2;

interface KnobShape {
  label: string;
  geometry: Omit<ConvGeometry, 'N'>;
  /** Built as an ONNX 1-D convolution over [N, C, W] (the geometry has H = 1). */
  oneD?: boolean;
  bias: boolean;
  act: Activation;
  /** A 2×2 stride-2 MaxPool after the activation (fused as the layer's pool_max slot). */
  pool?: boolean;
}

function geometry(p: Partial<ConvGeometry> & Pick<ConvGeometry, 'C' | 'H' | 'W' | 'M' | 'kh' | 'kw'>): Omit<ConvGeometry, 'N'> {
  return {
    group: 1, strideH: 1, strideW: 1, padTop: 0, padLeft: 0, padBottom: 0, padRight: 0, dilH: 1, dilW: 1, ...p,
  };
}

const SHAPES: KnobShape[] = [
  { label: 'odd 9×7 input, 3×3, pads 1, relu', geometry: geometry({ C: 3, H: 9, W: 7, M: 4, kh: 3, kw: 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1 }), bias: true, act: { kind: 'relu' } },
  { label: 'stride 2, asymmetric pads', geometry: geometry({ C: 4, H: 11, W: 10, M: 5, kh: 3, kw: 3, strideH: 2, strideW: 2, padTop: 1, padLeft: 0, padBottom: 2, padRight: 1 }), bias: true, act: { kind: 'relu' } },
  { label: '2 groups, 2×2 kernel, no bias, no activation', geometry: geometry({ C: 4, H: 8, W: 9, M: 6, kh: 2, kw: 2, group: 2 }), bias: false, act: { kind: 'none' } },
  { label: 'depthwise 3×3, clip', geometry: geometry({ C: 4, H: 7, W: 7, M: 4, kh: 3, kw: 3, group: 4, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1 }), bias: true, act: { kind: 'clip', min: -0.25, max: 0.5 } },
  { label: 'output height 2, leaky relu', geometry: geometry({ C: 3, H: 4, W: 6, M: 4, kh: 3, kw: 3 }), bias: true, act: { kind: 'leaky', alpha: 0.1 } },
  { label: 'output width 2, dilation 2', geometry: geometry({ C: 2, H: 7, W: 6, M: 3, kh: 3, kw: 3, dilH: 2, dilW: 2 }), bias: true, act: { kind: 'relu' } },
  { label: '1-D convolution, kernel 4, stride 2, pads 1/2', oneD: true, geometry: geometry({ C: 3, H: 1, W: 21, M: 4, kh: 1, kw: 4, strideW: 2, padLeft: 1, padRight: 2 }), bias: true, act: { kind: 'relu' } },
  { label: 'conv, relu and 2×2 max pool in one layer', geometry: geometry({ C: 3, H: 8, W: 8, M: 4, kh: 3, kw: 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1 }), bias: true, act: { kind: 'relu' }, pool: true },
  { label: 'strides 3 and 2 beyond a 2×3 kernel, pads beyond it', geometry: geometry({ C: 2, H: 10, W: 11, M: 3, kh: 2, kw: 3, strideH: 3, strideW: 2, padTop: 3, padLeft: 0, padBottom: 1, padRight: 4 }), bias: true, act: { kind: 'relu' } },
  { label: '20 channels: a whole kernel panel and a ragged one', geometry: geometry({ C: 5, H: 12, W: 13, M: 20, kh: 3, kw: 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1 }), bias: true, act: { kind: 'relu' } },
  { label: '1-D convolution as har-cnn has them: kernel 2, pad right 1, 18 channels', oneD: true, geometry: geometry({ C: 9, H: 1, W: 40, M: 18, kh: 1, kw: 2, padRight: 1 }), bias: true, act: { kind: 'relu' } },
  { label: 'depthwise 1×1 (sampling does not apply)', geometry: geometry({ C: 3, H: 5, W: 5, M: 3, kh: 1, kw: 1, group: 3 }), bias: true, act: { kind: 'relu' } },
];

interface ShapeData {
  onnx: Uint8Array;
  x: Float32Array;
  w: Float32Array;
  b?: Float32Array;
  g: ConvGeometry;
}

function buildShape(s: KnobShape, seed: number): ShapeData {
  const r = new Random(seed);
  const g: ConvGeometry = { N, ...s.geometry };
  const cg = g.C / g.group;
  const x = r.floats(N * g.C * g.H * g.W, -1, 1);
  const w = r.normals(g.M * cg * g.kh * g.kw, 0.5);
  const b = s.bias ? r.normals(g.M, 0.2) : undefined;

  const bld = new OnnxBuilder(13);
  const input = bld.input('x', s.oneD ? [null, g.C, g.W] : [null, g.C, g.H, g.W]);
  const inputs = [input, bld.constant('w', s.oneD ? [g.M, cg, g.kw] : [g.M, cg, g.kh, g.kw], w)];
  if (b) inputs.push(bld.constant('b', [g.M], b));
  const attrs = s.oneD
    ? { kernel_shape: [g.kw], strides: [g.strideW], pads: [g.padLeft, g.padRight], dilations: [g.dilW], group: g.group }
    : {
        kernel_shape: [g.kh, g.kw], strides: [g.strideH, g.strideW], dilations: [g.dilH, g.dilW], group: g.group,
        pads: [g.padTop, g.padLeft, g.padBottom, g.padRight],
      };
  let y = bld.node('Conv', inputs, attrs, 'conv')[0];
  switch (s.act.kind) {
    case 'relu':
      y = bld.node('Relu', [y], {}, 'act')[0];
      break;
    case 'clip':
      y = bld.node('Clip', [y, bld.constant('lo', [], [s.act.min]), bld.constant('hi', [], [s.act.max])], {}, 'act')[0];
      break;
    case 'leaky':
      y = bld.node('LeakyRelu', [y], { alpha: s.act.alpha }, 'act')[0];
      break;
  }
  if (s.pool) y = bld.node('MaxPool', [y], { kernel_shape: [2, 2], strides: [2, 2] }, 'pool')[0];
  bld.output(y);
  return { onnx: bld.build(), x, w, b, g };
}

interface Variant {
  name: string;
  knobs: LayerKnobs;
}

/** Every knob with fp32 bias/activation; the fp16 knobs (and a few fp32 ones) also with fp16 bias/activation. */
function variants(ids: number[]): Variant[] {
  const out: Variant[] = ids.map((id) => ({ name: `k${id}`, knobs: { conv: id, bias: 11, act: 11 } }));
  for (const id of ids) {
    if (decodeKnob(id).half || id === 11 || id === 121 || id === 236) {
      out.push({ name: `k${id}-h`, knobs: { conv: id, bias: 12, act: 12 } });
    }
  }
  out.push({ name: 'k11-bias-h', knobs: { conv: 11, bias: 12, act: 11 } });
  out.push({ name: 'k12-act-h', knobs: { conv: 12, bias: 11, act: 12 } });
  return out;
}

const ACTIVATION_SLOTS = new Set(['relu', 'clip', 'leaky_relu', 'tanh']);

/** HPVM text: one configuration per variant, the conv layer's slots set from it, every other slot fp32. */
function configurationText(layers: LayerInfo[], list: Variant[]): string {
  const out = ['0.0'];
  for (const v of list) {
    out.push('+++++', `${v.name} 1.0 1.0 0.0 0.0`);
    for (const layer of layers) {
      const isConv = layer.op === 'conv' || layer.op === 'group_conv';
      const knobs = layer.slots.map((slot, i) => {
        if (!isConv) return 11;
        if (i === 0) return v.knobs.conv;
        if (slot.op === 'add') return v.knobs.bias ?? 11;
        if (ACTIVATION_SLOTS.has(slot.op) || slot.op === 'pool_max') return v.knobs.act ?? 11;
        return 11;
      });
      const q = (id: number) => (decodeKnob(id).int8 ? ` q=${v.knobs.quant!.scale.toPrecision(9)},${v.knobs.quant!.zero}` : '');
      out.push(`${layer.index} gpu ${layer.slots.map((s, i) => `${s.op} ${knobName(knobs[i])} ${knobs[i]}${q(knobs[i])}`).join(' ')}`);
    }
    out.push('-----');
  }
  return out.join('\n') + '\n';
}

/** A symmetric quantisation of the test's input, for the int8 knobs. */
function quantOf(x: Float32Array): { scale: number; zero: number } {
  return { scale: Math.fround(x.reduce((m, v) => Math.max(m, Math.abs(v)), 0) / 127), zero: 128 };
}

function convLayer(model: CompiledModel): LayerInfo {
  const conv = model.layers.filter((l) => l.op === 'conv' || l.op === 'group_conv');
  assert.equal(conv.length, 1, `expected one convolution layer, got ${JSON.stringify(model.layers.map((l) => l.op))}`);
  return conv[0];
}

/** 2×2 stride-2 max pool of [N·M, Ho, Wo] planes, carrying the error bound of the chosen element. */
function maxPool2(y: Float64Array, err: Float64Array, planes: number, Ho: number, Wo: number) {
  const ph = Math.floor(Ho / 2);
  const pw = Math.floor(Wo / 2);
  const out = new Float64Array(planes * ph * pw);
  const bound = new Float64Array(out.length);
  for (let p = 0; p < planes; p++) {
    for (let i = 0; i < ph; i++) {
      for (let j = 0; j < pw; j++) {
        let best = -Infinity;
        let e = 0;
        for (let a = 0; a < 2; a++) {
          for (let c = 0; c < 2; c++) {
            const k = (p * Ho + 2 * i + a) * Wo + 2 * j + c;
            best = Math.max(best, y[k]);
            e = Math.max(e, err[k]);
          }
        }
        out[(p * ph + i) * pw + j] = best;
        bound[(p * ph + i) * pw + j] = e;
      }
    }
  }
  return { y: out, errorBound: bound };
}

function expected(s: KnobShape, d: ShapeData, knobs: LayerKnobs) {
  const ref = referenceConvLayer(d.x, d.w, d.b, d.g, knobs, s.act);
  if (!s.pool) return ref;
  const { Ho, Wo } = outputSize(d.g);
  return maxPool2(ref.y, ref.errorBound, N * d.g.M, Ho, Wo);
}

function usesHalf(k: LayerKnobs): boolean {
  return decodeKnob(k.conv).half || k.bias === 12 || k.act === 12;
}

/** Compares one configuration's outputs with its reference (within the fp16 bound, or 1e-4 in fp32) and keeps the failure. */
function noteMismatch(failures: string[], got: Float32Array, ref: { y: Float64Array; errorBound: Float64Array }, knobs: LayerKnobs, label: string): void {
  try {
    if (usesHalf(knobs)) assertWithinBound(got, ref.y, ref.errorBound, label);
    else assertClose(got, ref.y, 1e-4, label);
  } catch (e) {
    failures.push((e as Error).message);
  }
}

function assertWithinBound(got: Float32Array, ref: Float64Array, bound: Float64Array, label: string): void {
  assert.equal(got.length, ref.length, `${label}: ${got.length} outputs, reference has ${ref.length}`);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < ref.length; i++) {
    const excess = Math.abs(got[i] - ref[i]) - (bound[i] + 2 ** -20 * Math.max(1, Math.abs(ref[i])));
    if (!(excess <= worstExcess)) {
      worstExcess = Number.isNaN(excess) ? Infinity : excess;
      worst = i;
    }
  }
  assert.ok(
    worst < 0,
    worst < 0 ? '' : `${label}: element ${worst} is ${got[worst]}, reference ${ref[worst]} ± ${bound[worst].toExponential(3)} ` +
      `(off by ${Math.abs(got[worst] - ref[worst]).toExponential(3)})`,
  );
}

/** Each kernel the runtime can choose on x86-64 (gemm.c): the fastest the CPU has, then the fallbacks. */
const KERNELS: [string, Record<string, string>][] = [
  ['the fastest kernel', {}],
  ['the AVX2 kernel (MPX_NO_AVX512=1)', { MPX_NO_AVX512: '1' }],
  ['the portable kernel (MPX_PORTABLE_KERNELS=1)', { MPX_PORTABLE_KERNELS: '1' }],
];

describe('approximation knobs against the reference (src/core/DESIGN.md §2)', function () {
  this.timeout(180_000);

  KERNELS.forEach(([kernel, env], kernelIndex) => describe(kernel, () => {
    before(() => Object.assign(process.env, env));
    after(() => Object.keys(env).forEach((k) => delete process.env[k]));

    SHAPES.forEach((s, shapeIndex) => {
      describe(s.label, () => {
        let data: ShapeData;
        let engine: EngineCase;
        let input: string;

        before(() => {
          data = buildShape(s, 1000 + shapeIndex);
          engine = EngineCase.compile(data.onnx, `knobs${kernelIndex}-${shapeIndex}`);
          input = engine.writeInput(data.x, s.oneD ? [N, data.g.C, data.g.W] : [N, data.g.C, data.g.H, data.g.W]);
        });

        after(() => engine?.dispose());

        it('lists exactly the knobs that apply, in the slot order of src/core/DESIGN.md §4', () => {
          const layer = convLayer(engine.model);
          const applicable = ALL_KNOB_IDS.filter((id) => knobApplies(data.g, id));
          assert.deepEqual([...layer.knobs].sort((a, b) => a - b), applicable);
          const slotOps = layer.slots.map((x) => x.op);
          const actSlot = { none: [], relu: ['relu'], clip: ['clip'], leaky: ['leaky_relu'] }[s.act.kind];
          assert.deepEqual(slotOps, [
            data.g.group > 1 ? 'group_conv' : 'conv', ...(s.bias ? ['add'] : []), ...actSlot, ...(s.pool ? ['pool_max'] : []),
          ]);
          if (s.oneD) {
            assert.ok(!layer.knobs.some((id) => decodeKnob(id).kind === 'rows'), 'a 1-D convolution lists row perforation');
            assert.ok(layer.knobs.includes(121) && layer.knobs.includes(134), 'a 1-D convolution lacks column perforation');
          }
        });

        it('computes every applicable knob as the reference does', async function () {
          requireRuntime(this);
          const list = variants(ALL_KNOB_IDS.filter((id) => knobApplies(data.g, id))).map((v) => ({
            ...v,
            knobs: {
              conv: v.knobs.conv, bias: s.bias ? v.knobs.bias : undefined, act: s.act.kind === 'none' && !s.pool ? undefined : v.knobs.act,
              quant: quantOf(data.x),
            },
          }));
          const text = configurationText(engine.model.layers, list);
          const failures: string[] = [];
          for (const [i, v] of list.entries()) {
            // Alternate the thread count and batch size so that both the split and the tail are exercised.
            const run = await engine.run(input, { configText: text, config: v.name, threads: 1 + (i % 2), batch: 1 + ((i >> 1) % 2) });
            assert.equal(run.record.config, v.name);
            // The first configuration (k11) is exact, so it is index 0 and no conf0 is inserted before it.
            assert.equal(run.record.configIndex, i, `${v.name} has index ${run.record.configIndex}`);
            noteMismatch(failures, run.outputs, expected(s, data, v.knobs), v.knobs, v.name);
          }
          assert.ok(failures.length === 0, `${failures.length} of ${list.length} configurations differ:\n${failures.join('\n')}`);
        });
      });
    });
  }));

  describe('the reference itself, on cases worked by hand from src/core/DESIGN.md §2', () => {
    it('refills skipped rows by rules 1–4', () => {
      // H = 5, x = 2, s = 0: rows 0, 2, 4 skipped; 0 copies 1 (rule 3), 2 = mean(1, 3), 4 copies 3 (rule 2).
      assert.deepEqual(fillSources(5, 2, 0), [[1], [], [1, 3], [], [3]]);
      // H = 4, x = 2, s = 1: rows 1, 3 skipped; 3 is last and copies 2.
      assert.deepEqual(fillSources(4, 2, 1), [[], [0, 2], [], [2]]);
      // H = 7, x = 3, s = 2: rows 2, 5 skipped.
      assert.deepEqual(fillSources(7, 3, 2), [[], [], [1, 3], [], [], [4, 6], []]);
      // H = 2, x = 4, s = 3: nothing to skip.
      assert.deepEqual(fillSources(2, 4, 3), [[], []]);
    });

    it('drops filter elements by the regular and the irregular rule', () => {
      const indices = (d: boolean[]) => d.flatMap((x, i) => (x ? [i] : []));
      // 3×3, x = 3 divides 9: channel 0 drops j ≡ 1 (o_c = 1), channel 1 drops j ≥ 2, j ≡ 2 (o_c = 2).
      assert.deepEqual(indices(droppedElements(2, 3, 3, 3, 1)), [1, 4, 7, 9 + 2, 9 + 5, 9 + 8]);
      // 3×3, x = 2 does not divide 9: every odd element of the 18.
      assert.deepEqual(indices(droppedElements(2, 3, 3, 2, 1)), [1, 3, 5, 7, 9, 11, 13, 15, 17]);
      // 2×2, x = 4, o = 3: o_c = 3, 0, 1 for channels 0, 1, 2.
      assert.deepEqual(indices(droppedElements(3, 2, 2, 4, 3)), [3, 4, 9]);
    });

    it('rounds to binary16 as IEEE 754 says', () => {
      assert.equal(roundHalf(1 + 2 ** -11), 1); // tie to even
      assert.equal(roundHalf(1 + 3 * 2 ** -11), 1 + 2 ** -9); // tie to even, upwards
      assert.equal(roundHalf(65504), 65504);
      assert.equal(roundHalf(65519.99), 65504);
      assert.equal(roundHalf(65520), Infinity);
      assert.equal(roundHalf(2 ** -25), 0); // half of the smallest subnormal: tie to even 0
      assert.equal(roundHalf(3 * 2 ** -25), 2 ** -23);
      assert.equal(roundHalf(-0.1), -0.0999755859375);
      assert.equal(roundHalf(1 / 3), 0.333251953125);
    });
  });

  it('perforation and sampling change the result (the reference is not trivially exact)', () => {
    const s = SHAPES[0];
    const d = buildShape(s, 1000);
    const exact = referenceConvLayer(d.x, d.w, d.b, d.g, { conv: 11 }, s.act).y;
    for (const id of [121, 124, 131, 138, 231, 233, 239]) {
      const approx = referenceConvLayer(d.x, d.w, d.b, d.g, { conv: id }, s.act).y;
      assert.ok(deviation(approx, exact).maxAbs > 1e-3, `knob ${id} leaves the layer unchanged`);
    }
  });

  describe('knobs that do not apply', () => {
    async function rejects(ctx: Mocha.Context, shape: KnobShape, knob: number): Promise<void> {
      const d = buildShape(shape, 7);
      const engine = EngineCase.compile(d.onnx, 'reject');
      try {
        assert.ok(!convLayer(engine.model).knobs.includes(knob), `knob ${knob} is listed for ${shape.label}`);
        requireRuntime(ctx);
        const text = configurationText(engine.model.layers, [{ name: 'bogus7', knobs: { conv: knob, bias: 11, act: 11 } }]);
        const input = engine.writeInput(d.x, shape.oneD ? [N, d.g.C, d.g.W] : [N, d.g.C, d.g.H, d.g.W]);
        await assert.rejects(engine.run(input, { configText: text, config: 'bogus7' }), (e: Error) => {
          assert.match(e.message, /bogus7/, `'${e.message}' does not name the configuration`);
          assert.match(e.message, new RegExp(`\\b${knob}\\b`), `'${e.message}' does not name the knob`);
          return true;
        });
      } finally {
        engine.dispose();
      }
    }

    it('row perforation on a 1-D convolution is rejected, naming the configuration and the knob', async function () {
      await rejects(this, SHAPES.find((s) => s.oneD)!, 123);
    });

    it('filter sampling on a 1×1 depthwise convolution is rejected', async function () {
      await rejects(this, SHAPES.find((s) => s.geometry.kh === 1 && s.geometry.group > 1)!, 231);
    });
  });
});

interface HalfCase {
  name: string;
  input: number[];
  slots: string[];
  build(b: OnnxBuilder, x: string, r: Random): { output: string; expected(x: Float32Array): HalfResult };
}

const HALF_SAMPLES = 2;
const rh = roundHalf;

const HALF_CASES: HalfCase[] = [
  { name: 'Gemm + bias + Relu (mul, add, relu)', input: [12], slots: ['mul', 'add', 'relu'], build: (b, x, r) => {
    const W = r.normals(5 * 12, 0.5);
    const bias = r.normals(5, 0.2);
    const [g] = b.node('Gemm', [x, b.constant('W', [5, 12], W), b.constant('B', [5], bias)], { transB: 1 });
    return { output: b.node('Relu', [g])[0], expected: (v) => denseHalf(v, HALF_SAMPLES, 12, W, 5, bias) };
  } },
  { name: 'MatMul + Add + LeakyRelu over [N, 8, K] (mul, add, leaky_relu)', input: [8, 10], slots: ['mul', 'add', 'leaky_relu'], build: (b, x, r) => {
    const WT = r.normals(10 * 6, 0.5); // [K, P] as MatMul takes it
    const W = Array.from({ length: 60 }, (_, i) => WT[(i % 10) * 6 + Math.floor(i / 10)]); // [P, K]
    const bias = r.normals(6, 0.2);
    const [m] = b.node('MatMul', [x, b.constant('W', [10, 6], WT)]);
    const [a] = b.node('Add', [m, b.constant('B', [6], bias)]);
    return {
      output: b.node('LeakyRelu', [a], { alpha: 0.1 })[0],
      expected: (v) => denseHalf(v, HALF_SAMPLES * 8, 10, W, 6, bias, (t) => (t < 0 ? t * rh(0.1) : t)),
    };
  } },
  { name: 'Add of a per-channel constant', input: [3, 8], slots: ['add'], build: (b, x, r) => {
    const c = r.normals(3);
    return { output: b.node('Add', [x, b.constant('c', [3, 1], c)])[0], expected: (v) => binaryHalf(v, c, (i) => Math.floor(i / 8) % 3, (p, q) => p + q) };
  } },
  { name: 'Sub of a scalar', input: [3, 8], slots: ['sub'], build: (b, x) => ({
    output: b.node('Sub', [x, b.constant('c', [], [0.3])])[0], expected: (v) => binaryHalf(v, [0.3], () => 0, (p, q) => p - q),
  }) },
  { name: 'Mul of two activations', input: [3, 8], slots: ['emul'], build: (b, x) => ({
    output: b.node('Mul', [x, x])[0], expected: (v) => binaryHalf(v, v, (i) => i, (p, q) => p * q),
  }) },
  { name: 'Div by a constant row', input: [3, 8], slots: ['div'], build: (b, x, r) => {
    const c = Array.from({ length: 8 }, () => r.uniform(0.5, 3) * (r.next() < 0.5 ? -1 : 1));
    return { output: b.node('Div', [x, b.constant('c', [8], c)])[0], expected: (v) => binaryHalf(v, c, (i) => i % 8, (p, q) => p / q) };
  } },
  { name: 'Relu', input: [3, 8], slots: ['relu'], build: (b, x) => ({ output: b.node('Relu', [x])[0], expected: (v) => unaryHalf(v, (t) => Math.max(t, 0)) }) },
  { name: 'Clip', input: [3, 8], slots: ['clip'], build: (b, x) => ({
    output: b.node('Clip', [x, b.constant('lo', [], [-0.3]), b.constant('hi', [], [0.45])])[0],
    expected: (v) => unaryHalf(v, (t) => Math.min(Math.max(t, rh(-0.3)), rh(0.45))),
  }) },
  { name: 'LeakyRelu', input: [3, 8], slots: ['leaky_relu'], build: (b, x) => ({
    output: b.node('LeakyRelu', [x], { alpha: 0.1 })[0], expected: (v) => unaryHalf(v, (t) => (t < 0 ? t * rh(0.1) : t)),
  }) },
  { name: 'Sigmoid', input: [3, 8], slots: ['sigmoid'], build: (b, x) => ({ output: b.node('Sigmoid', [x])[0], expected: (v) => unaryHalf(v, (t) => 1 / (1 + Math.exp(-t)), 4) }) },
  { name: 'Tanh', input: [3, 8], slots: ['tanh'], build: (b, x) => ({ output: b.node('Tanh', [x])[0], expected: (v) => unaryHalf(v, Math.tanh, 4) }) },
  { name: 'MaxPool 2×2 stride 2', input: [3, 6, 6], slots: ['pool_max'], build: (b, x) => ({
    output: b.node('MaxPool', [x], { kernel_shape: [2, 2], strides: [2, 2] })[0], expected: (v) => poolHalf(v, HALF_SAMPLES * 3, 6, 6, 2, 2, 2, 0, 'max'),
  }) },
  { name: 'AveragePool 3×3, pads 1', input: [3, 6, 5], slots: ['pool_mean'], build: (b, x) => ({
    output: b.node('AveragePool', [x], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] })[0], expected: (v) => poolHalf(v, HALF_SAMPLES * 3, 6, 5, 3, 3, 1, 1, 'mean'),
  }) },
  { name: 'AveragePool 2×2 stride 2 (windows tile the plane)', input: [3, 6, 8], slots: ['pool_mean'], build: (b, x) => ({
    output: b.node('AveragePool', [x], { kernel_shape: [2, 2], strides: [2, 2] })[0], expected: (v) => poolHalf(v, HALF_SAMPLES * 3, 6, 8, 2, 2, 2, 0, 'mean'),
  }) },
  { name: 'GlobalAveragePool', input: [3, 5, 4], slots: ['pool_mean'], build: (b, x) => ({
    output: b.node('GlobalAveragePool', [x])[0], expected: (v) => poolHalf(v, HALF_SAMPLES * 3, 5, 4, 5, 4, 1, 0, 'mean'),
  }) },
  { name: 'Softmax', input: [3, 7], slots: ['softmax'], build: (b, x) => ({
    output: b.node('Softmax', [x], { axis: -1 })[0], expected: (v) => softmaxHalf(v, HALF_SAMPLES * 3, 7),
  }) },
  { name: 'BatchNormalization (standalone)', input: [3, 8], slots: ['batchnorm'], build: (b, x, r) => {
    const gamma = r.normals(3);
    const beta = r.normals(3, 0.3);
    const mean = r.normals(3, 0.3);
    const variance = Array.from({ length: 3 }, () => r.uniform(0.2, 2));
    const scale = gamma.map((g, c) => Math.fround(g / Math.sqrt(variance[c] + 1e-5)));
    const shift = beta.map((t, c) => Math.fround(t - mean[c] * scale[c]));
    const inputs = [x, b.constant('g', [3], gamma), b.constant('b', [3], beta), b.constant('m', [3], mean), b.constant('v', [3], variance)];
    return { output: b.node('BatchNormalization', inputs)[0], expected: (v) => affineHalf(v, 3, 8, scale, shift) };
  } },
];

describe('fp16 (knob 12) on the other float ops', function () {
  this.timeout(60_000);

  HALF_CASES.forEach((c, index) => {
    it(c.name, async function () {
      requireRuntime(this);
      const r = new Random(500 + index);
      const b = new OnnxBuilder(13);
      const { output, expected: reference } = c.build(b, b.input('x', [null, ...c.input]), r);
      b.output(output);
      const x = r.normals(HALF_SAMPLES * c.input.reduce((p, q) => p * q, 1));
      const engine = EngineCase.compile(b.build(), `half${index}`);
      try {
        assert.deepEqual(engine.model.layers.map((l) => l.slots.map((s) => s.op)), [c.slots]);
        const line = (k: number) => `1 gpu ${c.slots.map((op) => `${op} ${knobName(k)} ${k}`).join(' ')}`;
        const text = ['0.0', '+++++', 'exact 1.0 1.0 0.0 0.0', line(11), '-----', '+++++', 'half 1.5 1.0 0.0 0.0', line(12), '-----', ''].join('\n');
        const input = engine.writeInput(x, [HALF_SAMPLES, ...c.input]);
        const half = await engine.run(input, { configText: text, config: 'half', threads: 2, batch: 2 });
        const exact = await engine.run(input, { configText: text, config: 'exact', threads: 1, batch: 1 });
        const ref = reference(x);
        assertWithinBound(half.outputs, ref.y, ref.errorBound, `${c.name}, all slots fp16`);
        assert.ok(deviation(half.outputs, exact.outputs).maxAbs > 0, 'fp16 computes exactly what fp32 does');
      } finally {
        engine.dispose();
      }
    });
  });
});

describe('configuration lines select layers', function () {
  this.timeout(60_000);

  it('a knob on line k changes layer k only', async function () {
    requireRuntime(this);
    const r = new Random(31);
    const g1: ConvGeometry = { N, ...geometry({ C: 2, H: 9, W: 9, M: 3, kh: 3, kw: 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1 }) };
    const g2: ConvGeometry = { N, ...geometry({ C: 3, H: 9, W: 9, M: 4, kh: 3, kw: 3, strideH: 2, strideW: 2 }) };
    const x = r.floats(N * 2 * 81, -1, 1);
    const w1 = r.normals(3 * 2 * 9, 0.5);
    const b1 = r.normals(3, 0.2);
    const w2 = r.normals(4 * 3 * 9, 0.5);
    const b2 = r.normals(4, 0.2);
    const bld = new OnnxBuilder(13);
    const input = bld.input('x', [null, 2, 9, 9]);
    const [c1] = bld.node('Conv', [input, bld.constant('w1', [3, 2, 3, 3], w1), bld.constant('b1', [3], b1)], { pads: [1, 1, 1, 1] }, 'conv1');
    const [a1] = bld.node('Relu', [c1], {}, 'relu1');
    const [c2] = bld.node('Conv', [a1, bld.constant('w2', [4, 3, 3, 3], w2), bld.constant('b2', [4], b2)], { strides: [2, 2] }, 'conv2');
    bld.output(bld.node('Relu', [c2], {}, 'relu2')[0]);
    const engine = EngineCase.compile(bld.build(), 'two-layers');
    try {
      assert.deepEqual(engine.model.layers.map((l) => l.name), ['conv1', 'conv2']);
      const line = (index: number, knob: number) => `${index} gpu conv ${knobName(knob)} ${knob} add fp32 11 relu fp32 11`;
      const pairs: [number, number][] = [[121, 11], [11, 124], [233, 11], [11, 239], [130, 236]];
      const text = ['0.0', ...pairs.flatMap(([k1, k2]) => ['+++++', `c${k1}-${k2} 1.0 1.0 0.0 0.0`, line(1, k1), line(2, k2), '-----']), ''].join('\n');
      const inputFile = engine.writeInput(x, [N, 2, 9, 9]);
      for (const [k1, k2] of pairs) {
        const run = await engine.run(inputFile, { configText: text, config: `c${k1}-${k2}`, threads: 2, batch: 2 });
        const y1 = referenceConvLayer(x, w1, b1, g1, { conv: k1 }, { kind: 'relu' }).y;
        const y2 = referenceConvLayer(y1, w2, b2, g2, { conv: k2 }, { kind: 'relu' }).y;
        assertClose(run.outputs, y2, 1e-4, `conv1 ${k1}, conv2 ${k2}`);
      }
    } finally {
      engine.dispose();
    }
  });
});

/** Seeded random convolution geometries: shapes nobody thought of, including H = 1 in a 2-D convolution. */
function randomShapes(count: number, seed: number): KnobShape[] {
  const r = new Random(seed);
  const shapes: KnobShape[] = [];
  while (shapes.length < count) {
    const group = r.int(1, 3);
    const C = group * r.int(1, 3);
    const M = group * r.int(1, 3);
    const kh = r.int(1, 4);
    const kw = r.int(1, 4);
    const g = geometry({
      C, M, group, kh, kw, H: r.next() < 0.2 ? 1 : r.int(1, 12), W: r.int(1, 12),
      strideH: r.int(1, 3), strideW: r.int(1, 3), dilH: r.int(1, 2), dilW: r.int(1, 2),
      padTop: r.int(0, 2), padLeft: r.int(0, 2), padBottom: r.int(0, 2), padRight: r.int(0, 2),
    });
    const { Ho, Wo } = outputSize({ N, ...g });
    if (Ho < 1 || Wo < 1) continue;
    const acts: Activation[] = [{ kind: 'none' }, { kind: 'relu' }, { kind: 'clip', min: -0.5, max: 0.25 }, { kind: 'leaky', alpha: 0.3 }];
    const act = acts[r.int(0, 3)];
    const label = `C${C}→M${M} group ${group}, ${g.H}×${g.W}, kernel ${kh}×${kw}, stride ${g.strideH},${g.strideW}, ` +
      `dilation ${g.dilH},${g.dilW}, pads ${g.padTop},${g.padLeft},${g.padBottom},${g.padRight}, ${act.kind}`;
    shapes.push({ label, geometry: g, bias: r.next() < 0.7, act });
  }
  return shapes;
}

KERNELS.forEach(([kernel, env]) => describe(`knobs on random convolution geometries, ${kernel}`, function () {
  this.timeout(120_000);
  before(() => Object.assign(process.env, env));
  after(() => Object.keys(env).forEach((k) => delete process.env[k]));

  randomShapes(12, 2024).forEach((s, index) => {
    it(s.label, async function () {
      requireRuntime(this);
      const data = buildShape(s, 3000 + index);
      const engine = EngineCase.compile(data.onnx, `random${index}`);
      try {
        const layer = convLayer(engine.model);
        const applicable = ALL_KNOB_IDS.filter((id) => knobApplies(data.g, id));
        assert.deepEqual([...layer.knobs].sort((a, b) => a - b), applicable);
        const r = new Random(index);
        // 11 first (index 0), then a random third of the others.
        const ids = [11, ...applicable.filter((id) => id !== 11 && r.next() < 0.34)];
        const list = ids.map((id, i) => ({
          name: `k${id}`,
          knobs: {
            conv: id, bias: s.bias ? (i % 3 === 2 ? 12 : 11) : undefined, act: s.act.kind === 'none' ? undefined : (i % 2 === 1 ? 12 : 11),
            quant: quantOf(data.x),
          },
        }));
        const text = configurationText(engine.model.layers, list);
        const input = engine.writeInput(data.x, [N, data.g.C, data.g.H, data.g.W]);
        const failures: string[] = [];
        for (const [i, v] of list.entries()) {
          const run = await engine.run(input, { configText: text, config: v.name, threads: 1 + (i % 2), batch: 1 + (i % 2) });
          noteMismatch(failures, run.outputs, referenceConvLayer(data.x, data.w, data.b, data.g, v.knobs, s.act), v.knobs, v.name);
        }
        assert.ok(failures.length === 0, `${failures.length} of ${list.length} configurations differ:\n${failures.join('\n')}`);
      } finally {
        engine.dispose();
      }
    });
  });
}));
