/**
 * The graph the overview draws (core/compile/modelGraph.ts): every node the runtime runs, with its layer,
 * and the tensors between them, on the bundled HAR model (two branches joined by a Concat) and on a
 * residual block built here (an Add that joins a convolution's output with its input).
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { compileModel } from '../src/core/compile';
import { REPO_ROOT } from './support/engine';
import { OnnxBuilder } from './support/onnxBuilder';

describe('the graph of a compiled model', () => {
  it('keeps the branches and the merge, and gives each layer its node', () => {
    const model = compileModel(path.join(REPO_ROOT, 'media/models/har-mobiprox.onnx'));
    const { nodes, edges } = model.graph;
    const concat = nodes.findIndex((n) => n.op === 'Concat');
    assert.ok(concat >= 0, 'the two branches meet in a Concat');
    const into = (i: number) => edges.filter((e) => e.to === i);
    assert.equal(into(concat).length, 2);
    assert.deepEqual(into(concat).map((e) => e.shape), [nodes[into(concat)[0].from].outputShape, nodes[into(concat)[1].from].outputShape]);
    assert.equal(edges.filter((e) => e.from === -1).length, 1, 'the input feeds one node');
    assert.deepEqual(edges.filter((e) => e.to === -1).map((e) => nodes[e.from].op), ['Softmax']);
    // every layer has its node, and a node's layer is one of the model's
    for (const l of model.layers) assert.ok(nodes.some((n) => n.layer === l.index), `layer ${l.index} has no node`);
    const conv = nodes.find((n) => n.op === 'Conv')!;
    assert.equal(conv.attrs.kernel_shape !== undefined, true);
    assert.equal(conv.attrs.activation, 'Relu', 'the fused activation in ONNX words');
    assert.equal('act_a' in conv.attrs, false);
    // edges go forward: the graph is in topological order
    for (const e of edges) if (e.from >= 0 && e.to >= 0) assert.ok(e.from < e.to);
  });

  it('shows a residual Add with both of its inputs', () => {
    const b = new OnnxBuilder();
    const x = b.input('x', [1, 4, 6, 6]);
    const w = b.constant('w', [4, 4, 3, 3], Array.from({ length: 144 }, (_, i) => ((i % 7) - 3) / 10));
    const [conv] = b.node('Conv', [x, w], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
    const [sum] = b.node('Add', [conv, x]);
    b.output(b.node('Relu', [sum])[0]);
    const { nodes, edges } = compileModel(b.build()).graph;
    const add = nodes.findIndex((n) => n.op === 'Add');
    assert.deepEqual(edges.filter((e) => e.to === add).map((e) => e.from).sort(), [-1, nodes.findIndex((n) => n.op === 'Conv')].sort());
    assert.equal(nodes[add].attrs.activation, 'Relu');
    assert.ok(nodes[add].layer !== undefined);
  });
});
