import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { compileModel, CompiledModel } from '../src/core/compile';
import { formatFlops, formatShape, formatSpeedup } from '../src/ui/format';
import { summarizeComposition, toggleKnob } from '../src/ui/model/composition';
import { buildModelTree } from '../src/ui/model/modelTree';
import { OnnxBuilder } from './support/onnxBuilder';

const HAR = path.resolve(__dirname, '../../media/models/har-mobiprox.onnx');

/**
 * x [2,5,5] → Conv 4×2×3×3 pad 1 (+bias) → Relu → GlobalAveragePool → Flatten → Softmax. By src/core/DESIGN.md §3 the
 * first layer costs conv 2·4·5·5·3·3 = 1800, bias 100, relu 100 and pooling its input 100: 2100 per sample.
 */
function tinyConvModel(): CompiledModel {
  const b = new OnnxBuilder(13);
  const x = b.input('x', [null, 2, 5, 5]);
  const w = b.constant('w', [4, 2, 3, 3], new Array(72).fill(0.1));
  const [c] = b.node('Conv', [x, w, b.constant('b', [4], [0, 0, 0, 0])], { pads: [1, 1, 1, 1] }, 'conv');
  const [r] = b.node('Relu', [c], {}, 'relu');
  const [g] = b.node('GlobalAveragePool', [r], {}, 'gap');
  const [f] = b.node('Flatten', [g], {}, 'flatten');
  const [s] = b.node('Softmax', [f], {}, 'softmax');
  b.output(s);
  return compileModel(b.build(), { name: 'tiny' });
}

describe('Model view tree', () => {
  const tiny = tinyConvModel();
  const tree = buildModelTree(tiny);
  const knobOf = (layer: number, id: number) => tree[layer - 1].knobs.find((k) => k.knob === id)!;

  it('has one node per layer, labelled with the index and op, naming the node and its FLOPs', () => {
    assert.deepEqual(
      tree.map((n) => n.label),
      ['1 conv', '2 softmax'],
    );
    assert.equal(tree[0].description, '2.10 kFLOPs · 84 knobs · conv');
    assert.equal(tree[1].description, '4 FLOPs · 2 knobs · softmax');
  });

  it('offers every knob of the catalog on a convolution and only fp32/fp16 elsewhere', () => {
    const ids = tree[0].knobs.map((k) => k.knob);
    const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
    assert.deepEqual(ids, [
      11, 12, ...range(121, 138), ...range(151, 168), ...range(231, 239), ...range(261, 269), 311, ...range(321, 338), ...range(341, 349),
    ]);
    assert.deepEqual(
      tree[1].knobs.map((k) => k.label),
      ['11 fp32', '12 fp16'],
    );
  });

  it('gives each knob the nominal speedup of src/core/DESIGN.md §2', () => {
    const expected: [number, number][] = [[11, 1], [12, 1.5], [121, 2], [126, 1.5], [138, 1.33], [153, 3], [160, 2.25], [168, 2], [231, 2], [235, 1.5], [239, 1.33], [262, 3], [269, 2]];
    for (const [id, speedup] of expected) assert.equal(knobOf(1, id).nominalSpeedup, speedup, `knob ${id}`);
  });

  it('divides only the main op by the speedup: fused bias, activation and pooling stay exact', () => {
    assert.equal(knobOf(1, 11).flops, 2100);
    assert.equal(knobOf(1, 12).flops, 1800 / 1.5 + 300);
    assert.equal(knobOf(1, 121).flops, 1800 / 2 + 300);
    assert.equal(knobOf(1, 153).flops, 1800 / 3 + 300);
    assert.equal(knobOf(2, 12).flops, 4 / 1.5);
  });

  it('describes knob parameters, speedup and FLOPs in the item text', () => {
    assert.equal(knobOf(1, 123).label, '123 perf');
    assert.equal(knobOf(1, 123).description, '×2.00 · 1.20 kFLOPs · row stride 2 offset 0');
    assert.equal(knobOf(1, 233).description, '×1.50 · 1.50 kFLOPs · stride 3 offset 0');
    assert.equal(knobOf(1, 12).description, '×1.50 · 1.50 kFLOPs');
    assert.match(knobOf(1, 153).tooltip, /Perforated convolution \(binary16\): skips output rows 0, 0\+2/);
    assert.match(knobOf(1, 323).tooltip, /Perforated convolution \(int8\): skips output rows 0, 0\+2/);
    assert.match(knobOf(1, 311).tooltip, /8-bit integer convolution/);
  });

  it('lists every layer of the bundled HAR model', () => {
    const har = compileModel(HAR);
    const harTree = buildModelTree(har);
    assert.equal(harTree.length, har.layers.length);
    assert.ok(harTree.length > 3, 'the HAR CNN has several layers');
    harTree.forEach((n, i) => assert.equal(n.knobs.length, har.layers[i].knobs.length));
    assert.ok(harTree.some((n) => n.label.endsWith(' conv') && n.knobs.length > 2));
  });
});

describe('UI number formatting', () => {
  it('writes FLOPs with three significant digits and SI prefixes', () => {
    assert.equal(formatFlops(0), '0 FLOPs');
    assert.equal(formatFlops(999), '999 FLOPs');
    assert.equal(formatFlops(1000), '1.00 kFLOPs');
    assert.equal(formatFlops(1_234_567), '1.23 MFLOPs');
    assert.equal(formatFlops(45_600_000_000), '45.6 GFLOPs');
    assert.equal(formatFlops(512_000_000), '512 MFLOPs');
  });

  it('writes shapes and speedups', () => {
    assert.equal(formatShape([32, 1, 64]), '32×1×64');
    assert.equal(formatShape([]), 'scalar');
    assert.equal(formatSpeedup(2.25), '×2.25');
  });
});

describe('Composing a configuration in the Model view', () => {
  const har = compileModel(HAR);
  const conv = har.layers.find((l) => l.op === 'conv')!;

  it('marks the chosen knob per layer, exact by default, and sums the cost model over the layers', () => {
    let choice = toggleKnob(new Map(), conv.index, 121);
    const tree = buildModelTree(har, choice);
    const knobs = tree[conv.index - 1].knobs;
    assert.deepEqual(knobs.filter((k) => k.chosen).map((k) => k.knob), [121]);
    for (const layer of tree.filter((l) => l.index !== conv.index)) {
      assert.deepEqual(layer.knobs.filter((k) => k.chosen).map((k) => k.knob), layer.knobs.length ? [11] : []);
    }
    const s = summarizeComposition(har, choice);
    const saved = conv.slots[0].flops / 2; // perforation 121 halves the main op's FLOPs
    assert.equal(s.approximated, 1);
    assert.ok(Math.abs(s.flops - (har.totalFlops - saved)) < 1e-6);
    assert.ok(Math.abs(s.nominalSpeedup - har.totalFlops / (har.totalFlops - saved)) < 1e-12);

    choice = toggleKnob(choice, conv.index, 121);
    assert.equal(choice.size, 0, 'choosing it again goes back to exact');
    assert.equal(summarizeComposition(har, choice).nominalSpeedup, 1);
    assert.equal(toggleKnob(toggleKnob(new Map(), conv.index, 12), conv.index, 11).size, 0, 'choosing exact clears');
  });
});
