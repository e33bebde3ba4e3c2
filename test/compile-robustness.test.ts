import * as assert from 'node:assert/strict';
import { compileModel } from '../src/core/compile';
import { MobiproxError } from '../src/core/errors';
import { OnnxBuilder, tensorProto } from './support/onnxBuilder';

/** A model with the parts most likely to meet bad input: shape arithmetic, windows, fusion, reshapes. */
function model(): Uint8Array {
  const b = new OnnxBuilder(13);
  const x = b.input('x', [null, 2, 6, 6]);
  const i64 = (n: string, v: number[]) => b.constant(n, [v.length], v, 'int64');
  const [c] = b.node('Conv', [x, b.constant('w', [4, 2, 3, 3], new Array(72).fill(0.5)), b.constant('b', [4], [1, 2, 3, 4])], { pads: [1, 1, 1, 1], strides: [1, 1] }, 'conv');
  const [r] = b.node('Relu', [c], {}, 'relu');
  const [p] = b.node('MaxPool', [r], { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 }, 'pool');
  const [zeros] = b.node('ConstantOfShape', [i64('two', [2])], { value: tensorProto('z', [1], [0], 'int64') }, 'cos');
  const [pads] = b.node('Concat', [i64('p6', [0, 0, 1, 0, 0, 0]), zeros], { axis: 0 }, 'cat');
  const [padded] = b.node('Pad', [p, pads], {}, 'pad');
  const [shape] = b.node('Shape', [padded], {}, 'shape');
  const [n] = b.node('Gather', [shape, b.constant('zero', [], [0], 'int64')], { axis: 0 }, 'gather');
  const [n1] = b.node('Unsqueeze', [n, i64('axes', [0])], {}, 'unsq');
  const [target] = b.node('Concat', [n1, i64('m1', [-1])], { axis: 0 }, 'cat2');
  const [flat] = b.node('Reshape', [padded, target], {}, 'reshape');
  const [mm] = b.node('MatMul', [flat, b.constant('fw', [48, 3], new Array(144).fill(0.1))], {}, 'matmul');
  const [y] = b.node('Add', [mm, b.constant('fb', [3], [1, 2, 3])], {}, 'bias');
  b.output(y);
  return b.build();
}

describe('compiler robustness', () => {
  it('compiles the intact model', () => {
    assert.deepEqual(compileModel(model()).outputShapes, [[3]]);
  });

  it('reports corrupted models as MobiproxError, never as a crash', () => {
    const original = model();
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const crashes: string[] = [];
    for (let i = 0; i < 400; i++) {
      const bytes = Buffer.from(original);
      for (let k = 0; k < 1 + i % 3; k++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      try {
        compileModel(bytes);
      } catch (e) {
        if (!(e instanceof MobiproxError)) crashes.push(`mutation ${i}: ${(e as Error).stack?.split('\n').slice(0, 2).join(' ')}`);
      }
    }
    assert.deepEqual(crashes, []);
  });
});
