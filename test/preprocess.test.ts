import { strict as assert } from 'node:assert';
import { compileModel } from '../src/core/compile';
import { ModelInput, checkModelInput, preprocess } from '../src/core/data/preprocess';
import { NdArray } from '../src/core/data/ndarray';
import { OnnxBuilder } from './support/onnxBuilder';

const nhwc = (n: number, h: number, w: number, c: number): NdArray<Float32Array> => {
  const data = new Float32Array(n * h * w * c);
  // value encodes its NHWC coordinates so that the layout change can be checked exactly
  for (let s = 0; s < n; s++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) {
    data[((s * h + y) * w + x) * c + k] = s * 1000 + y * 100 + x * 10 + k;
  }
  return { dtype: 'float32', shape: [n, h, w, c], data };
};

describe('preprocess', () => {
  it('moves channels first with --nhwc', () => {
    const out = preprocess(nhwc(2, 2, 3, 3), { nhwc: true });
    assert.deepEqual(out.shape, [2, 3, 2, 3]);
    for (let s = 0; s < 2; s++) for (let k = 0; k < 3; k++) for (let y = 0; y < 2; y++) for (let x = 0; x < 3; x++) {
      assert.equal(out.data[((s * 3 + k) * 2 + y) * 3 + x], s * 1000 + y * 100 + x * 10 + k);
    }
  });

  it('scales, then normalizes per channel', () => {
    const x: NdArray = { dtype: 'uint8', shape: [1, 2, 2], data: Uint8Array.from([255, 0, 51, 102]) };
    const out = preprocess(x, { scale: 1 / 255, mean: [0.5, 0.1], std: [0.5, 0.2] });
    const expect = [(1 - 0.5) / 0.5, (0 - 0.5) / 0.5, (0.2 - 0.1) / 0.2, (0.4 - 0.1) / 0.2];
    expect.forEach((v, i) => assert.ok(Math.abs(out.data[i] - v) < 1e-6, `${out.data[i]} vs ${v}`));
  });

  it('standardizes each channel to mean 0 and population std 1', () => {
    const x: NdArray = { dtype: 'float32', shape: [2, 2, 3], data: Float32Array.from([1, 2, 3, 10, 10, 10, 5, 6, 7, 20, 30, 40]) };
    const out = preprocess(x, { standardize: true });
    for (const k of [0, 1]) {
      const v = [0, 1, 2].flatMap((i) => [out.data[k * 3 + i], out.data[6 + k * 3 + i]]);
      const mean = v.reduce((a, b) => a + b) / v.length;
      const variance = v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length;
      assert.ok(Math.abs(mean) < 1e-6 && Math.abs(variance - 1) < 1e-5, `channel ${k}: ${mean} ${variance}`);
    }
  });

  it('rejects a mean with the wrong number of channels', () => {
    assert.throws(() => preprocess(nhwc(1, 2, 2, 3), { nhwc: true, mean: [1, 2] }), /--mean has 2 values but input has 3 channels/);
  });

  it('names the shapes, suggests --nhwc and finds non-finite values', () => {
    const x = preprocess(nhwc(1, 4, 4, 3), {});
    assert.throws(() => checkModelInput(x, [3, 4, 4], 'x.npy'), /x\.npy has samples of shape \[4, 4, 3\] but the model expects \[3, 4, 4\]\. The channels look last: add --nhwc\./);
    const y = preprocess(nhwc(2, 2, 2, 1), { nhwc: true });
    y.data[5] = NaN;
    assert.throws(() => checkModelInput(y, [1, 2, 2], 'y.npy'), /y\.npy holds NaN at sample 1 \(element 1\)/);
  });

  describe('on a channels-last model', () => {
    /** A Keras-style model: input [N, 4, 4, 3], transposed to channels-first by its first node, then a 1×1 conv. */
    const channelsLast = (): ModelInput => {
      const b = new OnnxBuilder(13);
      const x = b.input('x', [null, 4, 4, 3]);
      const [t] = b.node('Transpose', [x], { perm: [0, 3, 1, 2] }, 'to_nchw');
      const w = b.constant('w', [2, 3, 1, 1], [1, 0, 0, 0, 1, 0]);
      const [y] = b.node('Conv', [t, w], {}, 'conv');
      b.output(y);
      return compileModel(b.build());
    };

    it('knows the layout of the compiled model', () => {
      assert.deepEqual(channelsLast().inputLayout, { channelAxis: 3, channelsLast: true, transposedBy: 'to_nchw' });
      const b = new OnnxBuilder(13);
      const [y] = b.node('Conv', [b.input('x', [null, 3, 4, 4]), b.constant('w', [2, 3, 1, 1], [1, 0, 0, 0, 1, 0])], {}, 'conv');
      b.output(y);
      assert.deepEqual(compileModel(b.build()).inputLayout, { channelAxis: 1, channelsLast: false });
    });

    it('finds the Transpose behind element-wise ops (a rescaling before it), and refuses --nhwc there too', () => {
      const b = new OnnxBuilder(13);
      const [scaled] = b.node('Mul', [b.input('x', [null, 4, 4, 3]), b.constant('s', [], [1 / 255])], {}, 'rescale');
      const [shifted] = b.node('Sub', [scaled, b.constant('m', [3], [0.1, 0.2, 0.3])], {}, 'normalize');
      const [t] = b.node('Transpose', [shifted], { perm: [0, 3, 1, 2] }, 'to_nchw');
      const [y] = b.node('Conv', [t, b.constant('w', [2, 3, 1, 1], [1, 0, 0, 0, 1, 0])], {}, 'conv');
      b.output(y);
      const model = compileModel(b.build());
      assert.deepEqual(model.inputLayout, { channelAxis: 3, channelsLast: true, transposedBy: 'to_nchw' });
      const x = nhwc(2, 4, 4, 3);
      const out = preprocess(x, { mean: [0, 1, 2] }, 'x.npy', model);
      for (let i = 0; i < out.data.length; i++) assert.equal(out.data[i], x.data[i] - (i % 3));
      assert.throws(() => preprocess(x, { nhwc: true, mean: [0, 0, 0] }, 'x.npy', model), /drop --nhwc\./);
      // --standardize takes each of the 3 channels on the last axis to mean 0 and std 1 (axis 1 would be the rows)
      const standardized = preprocess(x, { standardize: true }, 'x.npy', model).data;
      for (let k = 0; k < 3; k++) {
        const channel = standardized.filter((_, i) => i % 3 === k);
        const mean = channel.reduce((a, v) => a + v, 0) / channel.length;
        assert.ok(Math.abs(mean) < 1e-5, `channel ${k} has mean ${mean}`);
        assert.ok(Math.abs(channel.reduce((a, v) => a + v * v, 0) / channel.length - 1) < 1e-4, `channel ${k} is not of std 1`);
      }
    });

    it('takes an image of a few channels last when no Transpose moves them (a model that flattens it first)', () => {
      const flat = (dims: number[]) => {
        const b = new OnnxBuilder(13);
        const [f] = b.node('Flatten', [b.input('x', [null, ...dims])], { axis: 1 }, 'flatten');
        const size = dims.reduce((a, c) => a * c, 1);
        const [y] = b.node('Gemm', [f, b.constant('w', [size, 2], new Array(2 * size).fill(0.01))], {}, 'dense');
        b.output(y);
        return compileModel(b.build());
      };
      const model = flat([8, 8, 3]);
      assert.deepEqual(model.inputLayout, { channelAxis: 3, channelsLast: true });
      const x = nhwc(2, 8, 8, 3);
      const out = preprocess(x, { mean: [0, 1, 2] }, 'x.npy', model);
      for (let i = 0; i < out.data.length; i++) assert.equal(out.data[i], x.data[i] - (i % 3));
      assert.throws(() => preprocess(x, { nhwc: true }, 'x.npy', model), /the model takes channels-last input \[8, 8, 3\]: drop --nhwc\./);
      for (const dims of [[3, 8, 8], [1, 28, 28], [4, 4, 3], [9, 128]]) assert.equal(flat(dims).inputLayout.channelsLast, false, `[${dims}]`);
      // a convolution reads axis 1 as its channels, however few the last axis holds
      const b = new OnnxBuilder(13);
      const [y] = b.node('Conv', [b.input('x', [null, 8, 8, 3]), b.constant('w', [2, 8, 1, 1], new Array(16).fill(1))], {}, 'conv');
      b.output(y);
      assert.equal(compileModel(b.build()).inputLayout.channelsLast, false);
    });

    it('stays channels-first when a path from the input leads elsewhere than the Transpose', () => {
      const b = new OnnxBuilder(13);
      const x = b.input('x', [null, 4, 4, 3]);
      const [t] = b.node('Transpose', [x], { perm: [0, 3, 1, 2] }, 'to_nchw');
      const [y] = b.node('Conv', [t, b.constant('w', [2, 3, 1, 1], [1, 0, 0, 0, 1, 0])], {}, 'conv');
      const [r] = b.node('Relu', [x], {}, 'side');
      b.output(y);
      b.output(r);
      assert.equal(compileModel(b.build()).inputLayout.channelsLast, false);
    });

    it('normalizes and standardizes the last axis, and says which axis and why', () => {
      const model = channelsLast();
      const x = nhwc(2, 4, 4, 3);
      const out = preprocess(x, { mean: [0, 1, 2], std: [1, 1, 2] }, 'x.npy', model);
      assert.deepEqual(out.shape, [2, 4, 4, 3]);
      for (let i = 0; i < out.data.length; i++) {
        const k = i % 3;
        assert.equal(out.data[i], (x.data[i] - k) / (k === 2 ? 2 : 1));
      }
      const std = preprocess(x, { standardize: true }, 'x.npy', model);
      for (let k = 0; k < 3; k++) {
        const v = Array.from(std.data).filter((_, i) => i % 3 === k);
        const mean = v.reduce((a, b) => a + b) / v.length;
        const variance = v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length;
        assert.ok(Math.abs(mean) < 1e-5 && Math.abs(variance - 1) < 1e-4, `channel ${k}: ${mean} ${variance}`);
      }
      assert.throws(() => preprocess(x, { mean: [0, 0] }, 'x.npy', model),
        /--mean has 2 values but x\.npy has 3 channels \(the last axis, 3: the model takes channels-last input \[4, 4, 3\]\)/);
    });

    it('refuses --nhwc, and does not suggest it', () => {
      const model = channelsLast();
      assert.throws(() => preprocess(nhwc(1, 4, 4, 3), { nhwc: true }, 'x.npy', model),
        /--nhwc .* the model takes channels-last input \[4, 4, 3\] \(its node 'to_nchw' moves the channels itself\): drop --nhwc\./);
      const first = preprocess(nhwc(1, 3, 4, 4), {}, 'x.npy', model);
      assert.throws(() => checkModelInput(first, model.inputShape, 'x.npy', model.inputLayout), (e: Error) =>
        /The channels look first, but the model takes them last/.test(e.message) && !e.message.includes('--nhwc'));
    });

    it('names axis 1 and the layout on a channels-first model', () => {
      const model: ModelInput = { inputShape: [3, 4, 4], inputLayout: { channelAxis: 1, channelsLast: false } };
      assert.throws(() => preprocess(nhwc(1, 3, 4, 4), { std: [1, 2] }, 'x.npy', model),
        /--std has 2 values but x\.npy has 3 channels \(axis 1: the model takes channels-first input \[3, 4, 4\]\)/);
      assert.throws(() => preprocess(nhwc(1, 4, 4, 3), { nhwc: true, mean: [1, 2] }, 'x.npy', model),
        /x\.npy has 3 channels \(axis 1: --nhwc moved the last axis there\)/);
    });
  });
});
