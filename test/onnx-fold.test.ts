import * as assert from 'node:assert/strict';
import { foldConstants } from '../src/core/onnx/passes/foldConstants';
import { compileModel } from '../src/core/compile';
import { OnnxBuilder, tensorProto } from './support/onnxBuilder';
import { importUntil, ops } from './support/importer';

const INT64_MAX = 9223372036854775807;

describe('constant folding', () => {
  it('folds Shape → Gather → Unsqueeze → Concat into a Reshape target that keeps the batch axis', () => {
    const b = new OnnxBuilder(13);
    const x = b.input('x', [null, 2, 3, 4]);
    const [shape] = b.node('Shape', [x], {}, 'shape');
    const [n] = b.node('Gather', [shape, b.constant('zero', [], [0], 'int64')], { axis: 0 }, 'gather');
    const [n1] = b.node('Unsqueeze', [n, b.constant('axes', [1], [0], 'int64')], {}, 'unsqueeze');
    const [target] = b.node('Concat', [n1, b.constant('minus1', [1], [-1], 'int64')], { axis: 0 }, 'concat');
    const [y] = b.node('Reshape', [x, target], {}, 'flatten');
    b.output(y);
    const g = importUntil(b.build(), 'foldConstants');
    foldConstants(g);
    assert.deepEqual(ops(g), ['Reshape']);
    assert.ok(Number.isNaN(g.constant(target)!.data[0]), 'the batch entry stays symbolic');
    assert.deepEqual(g.shape(y), [24]);
  });

  it('evaluates Cast, ConstantOfShape, Range, integer Div, Transpose and Squeeze of constants', () => {
    const b = new OnnxBuilder(13);
    const x = b.input('x', [null, 3]);
    const [range] = b.node('Range', [b.constant('s', [], [1], 'int64'), b.constant('l', [], [10], 'int64'), b.constant('d', [], [3], 'int64')], {}, 'range');
    const [half] = b.node('Div', [range, b.constant('two', [], [2], 'int64')], {}, 'div');
    const [asFloat] = b.node('Cast', [half], { to: 1 }, 'cast');
    const [filled] = b.node('ConstantOfShape', [b.constant('dims', [2], [2, 3], 'int64')], { value: tensorProto('v', [1], [0.5]) }, 'cos');
    const [t] = b.node('Transpose', [b.constant('m', [2, 3], [1, 2, 3, 4, 5, 6])], { perm: [1, 0] }, 'transpose');
    const [sq] = b.node('Squeeze', [b.constant('u', [1, 3, 1], [7, 8, 9]), b.constant('sa', [2], [0, 2], 'int64')], {}, 'squeeze');
    const [y] = b.node('Add', [x, sq], {}, 'add');
    b.output(y);
    const g = importUntil(b.build(), 'foldConstants');
    foldConstants(g);
    assert.deepEqual(Array.from(g.constant(range)!.data), [1, 4, 7]);
    assert.deepEqual(Array.from(g.constant(half)!.data), [0, 2, 3]);
    assert.equal(g.constant(asFloat)!.type, 'float');
    assert.deepEqual(g.constant(filled)!.dims, [2, 3]);
    assert.deepEqual(Array.from(g.constant(filled)!.data), [0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
    assert.deepEqual(g.constant(t)!.dims, [3, 2]);
    assert.deepEqual(Array.from(g.constant(t)!.data), [1, 4, 2, 5, 3, 6]);
    assert.deepEqual(g.constant(sq)!.dims, [3]);
    assert.deepEqual(ops(g), ['Add']);
  });

  /** The Option-A shortcut of resnet20 (PyTorch's F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, c/4, c/4))). */
  function shortcut(opset = 13): { bytes: Uint8Array; channels: number } {
    const b = new OnnxBuilder(opset);
    const x = b.input('x', [null, 4, 8, 8]);
    const i64 = (name: string, values: number[]) => b.constant(name, [values.length], values, 'int64');
    const [s1] = b.node('Slice', [x, i64('st', [0]), i64('en', [INT64_MAX]), i64('ax2', [2]), i64('step', [2])], {}, 'slice_h');
    const [s2] = b.node('Slice', [s1, i64('st1', [0]), i64('en1', [INT64_MAX]), i64('ax3', [3]), i64('step1', [2])], {}, 'slice_w');
    const [zeros] = b.node('ConstantOfShape', [i64('two', [2])], { value: tensorProto('z', [1], [0], 'int64') }, 'cos');
    const [cat] = b.node('Concat', [i64('pads6', [0, 0, 0, 0, 2, 2]), zeros], { axis: 0 }, 'concat');
    const [pairs] = b.node('Reshape', [cat, i64('shape', [-1, 2])], {}, 'reshape');
    const [rev] = b.node('Slice', [pairs, i64('rs', [-1]), i64('re', [-INT64_MAX]), i64('ra', [0]), i64('rst', [-1])], {}, 'reverse');
    const [tr] = b.node('Transpose', [rev], { perm: [1, 0] }, 'transpose');
    const [flat] = b.node('Reshape', [tr, i64('m1', [-1])], {}, 'flat');
    const [pads] = b.node('Cast', [flat], { to: 7 }, 'cast');
    const [y] = b.node('Pad', [s2, pads, b.constant('zero', [], [0])], { mode: 'constant' }, 'pad');
    b.output(y);
    return { bytes: b.build(), channels: 4 };
  }

  it('folds the resnet20 shortcut subgraph into constant pads', () => {
    const g = importUntil(shortcut().bytes, 'foldConstants');
    foldConstants(g);
    assert.deepEqual(ops(g), ['Slice', 'Slice', 'Pad']);
    const pads = g.constant(g.nodes[2].inputs[1])!;
    // F.pad's (0,0, 0,0, 2,2) pads the channel axis by 2 on both sides: ONNX [b0,b1,b2,b3, e0,e1,e2,e3].
    assert.deepEqual(Array.from(pads.data), [0, 2, 0, 0, 0, 2, 0, 0]);
    assert.deepEqual(g.shape(g.nodes[2].outputs[0]), [8, 4, 4]);
  });

  it('compiles the folded shortcut to SLICE and PAD with full-rank attributes', () => {
    const m = compileModel(shortcut().bytes);
    assert.deepEqual(m.outputShapes, [[8, 4, 4]]);
    assert.equal(m.layers.length, 0, 'data movement forms no layer');
  });

  it('rejects a ConstantOfShape whose shape depends on the batch size, naming the node', () => {
    const b = new OnnxBuilder(13);
    const x = b.input('x', [null, 3]);
    const [shape] = b.node('Shape', [x], {}, 'shape');
    const [c] = b.node('ConstantOfShape', [shape], {}, 'per_batch');
    const [y] = b.node('Add', [x, c], {}, 'add');
    b.output(y);
    assert.throws(() => compileModel(b.build()), /per_batch.*batch size/);
  });

  it('rejects an op that folding alone supports when it reads activations', () => {
    const b = new OnnxBuilder(13);
    const x = b.input('x', [null, 3]);
    const [y] = b.node('Gather', [x, b.constant('i', [1], [0], 'int64')], { axis: 1 }, 'pick');
    b.output(y);
    assert.throws(() => compileModel(b.build()), /'pick' \(Gather\) works on activations/);
  });
});
