import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { compileModel } from '../src/core/compile';
import { requireShared } from './support/engine';
import { OnnxBuilder } from './support/onnxBuilder';

/** CRC-32 (IEEE 802.3, reflected 0xEDB88320), written out here to check the writer independently. */
function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** A reader of FORMAT.md's layout, kept apart from the writer's code. */
function parse(buf: Buffer) {
  let p = 0;
  const u8 = () => buf.readUInt8(p++);
  const u16 = () => ((p += 2), buf.readUInt16LE(p - 2));
  const u32 = () => ((p += 4), buf.readUInt32LE(p - 4));
  const i32 = () => ((p += 4), buf.readInt32LE(p - 4));
  const f32 = () => ((p += 4), buf.readFloatLE(p - 4));
  const u64 = () => ((p += 8), Number(buf.readBigUInt64LE(p - 8)));
  const header = {
    magic: buf.toString('ascii', 0, 4),
    version: ((p = 4), u32()),
    fileSize: u32(),
    nTensors: u32(),
    nOps: u32(),
    nLayers: u32(),
    nInputs: u32(),
    nOutputs: u32(),
    stringsSize: u32(),
    reserved: u32(),
    weightsSize: u64(),
  };
  assert.equal(p, 48);
  const stringsAt = p;
  const str = (off: number) => buf.toString('utf8', stringsAt + off, buf.indexOf(0, stringsAt + off));
  p += header.stringsSize;
  const tensors = Array.from({ length: header.nTensors }, () => {
    const name = str(u32());
    const kind = u8();
    const dtype = u8();
    const rank = u8();
    const reserved = u8();
    const dims = Array.from({ length: rank }, u32);
    return { name, kind, dtype, reserved, dims, offset: kind === 1 ? u64() : -1 };
  });
  const inputs = Array.from({ length: header.nInputs }, u32);
  const outputs = Array.from({ length: header.nOutputs }, u32);
  const ops = Array.from({ length: header.nOps }, () => {
    const type = u16();
    const reserved = u16();
    const name = str(u32());
    const [nIn, nOut, nI, nF] = [u8(), u8(), u8(), u8()];
    return {
      type, reserved, name,
      inputs: Array.from({ length: nIn }, u32),
      outputs: Array.from({ length: nOut }, u32),
      iattrs: Array.from({ length: nI }, i32),
      fattrs: Array.from({ length: nF }, f32),
    };
  });
  const layers = Array.from({ length: header.nLayers }, () => {
    const n = u8();
    p += 3;
    return Array.from({ length: n }, () => {
      const s = { kind: u8(), part: u8(), reserved: u16(), op: u32() };
      return s;
    });
  });
  const weightsAt = Math.ceil(p / 16) * 16;
  assert.ok(buf.subarray(p, weightsAt).every((b) => b === 0), 'padding is zeros');
  const weights = (t: { offset: number; dims: number[] }) =>
    Array.from({ length: t.dims.reduce((a, b) => a * b, 1) }, (_, i) => buf.readFloatLE(weightsAt + t.offset + 4 * i));
  return { header, tensors, inputs, outputs, ops, layers, weightsAt, weights, checksum: buf.readUInt32LE(buf.length - 4) };
}

function smallNet() {
  const b = new OnnxBuilder(13);
  const x = b.input('x', [null, 2, 6, 6]);
  const w = Array.from({ length: 3 * 2 * 3 * 3 }, (_, i) => (i % 7) - 3);
  const [conv] = b.node('Conv', [x, b.constant('w', [3, 2, 3, 3], w), b.constant('b', [3], [0.25, 0.5, 0.75])], { pads: [1, 1, 1, 1] }, 'conv');
  const [relu] = b.node('Relu', [conv], {}, 'relu');
  const [pool] = b.node('MaxPool', [relu], { kernel_shape: [2, 2], strides: [2, 2] }, 'pool');
  const [flat] = b.node('Flatten', [pool], {}, 'flatten');
  const fw = Array.from({ length: 4 * 27 }, (_, i) => i / 100);
  const [dense] = b.node('Gemm', [flat, b.constant('fw', [4, 27], fw), b.constant('fb', [4], [1, 2, 3, 4])], { transB: 1 }, 'dense');
  const [prob] = b.node('Softmax', [dense], { axis: 1 }, 'softmax');
  b.output(prob);
  return { bytes: b.build(), w, fw };
}

describe('.mpxm writer', () => {
  const { bytes, w, fw } = smallNet();
  const m = compileModel(bytes, { name: 'small' });
  const f = parse(m.mpxm);

  it('writes the header FORMAT.md specifies, the real file size and the CRC-32 of everything before it', () => {
    assert.equal(f.header.magic, 'MPXM');
    assert.equal(f.header.version, 1);
    assert.equal(f.header.fileSize, m.mpxm.length);
    assert.equal(f.header.nInputs, 1);
    assert.equal(f.header.nOutputs, 1);
    assert.equal(f.header.reserved, 0);
    assert.equal(f.checksum, crc32(m.mpxm.subarray(0, m.mpxm.length - 4)));
    assert.equal(f.weightsAt % 16, 0);
    assert.equal(f.weightsAt + f.header.weightsSize + 4, m.mpxm.length);
  });

  it('stores activations per sample and constants with their full shape at 16-byte aligned offsets', () => {
    const byName = new Map(f.tensors.map((t) => [t.name, t]));
    assert.deepEqual(byName.get('x')!.dims, [2, 6, 6]);
    assert.equal(byName.get('x')!.kind, 0);
    assert.equal(f.tensors[f.inputs[0]].name, 'x');
    assert.equal(f.tensors[f.outputs[0]].name, 'softmax_out');
    assert.deepEqual(f.tensors[f.outputs[0]].dims, [4]);
    for (const t of f.tensors.filter((t) => t.kind === 1)) {
      assert.equal(t.offset % 16, 0, t.name);
      assert.ok(t.offset + 4 * t.dims.reduce((a, b) => a * b, 1) <= f.header.weightsSize);
    }
    assert.deepEqual(f.weights(byName.get('w')!), w);
    // Gemm with transB = 1 already has one row per output: the weights are stored as given.
    const dense = f.ops.find((o) => o.type === 2)!;
    assert.deepEqual(f.tensors[dense.inputs[1]].dims, [4, 27]);
    f.weights(f.tensors[dense.inputs[1]]).forEach((v, i) => assert.equal(v, Math.fround(fw[i])));
    assert.ok(f.tensors.every((t) => t.dtype === 0 && t.reserved === 0));
  });

  it('writes ops in order with the attributes of the op table', () => {
    assert.deepEqual(f.ops.map((o) => o.type), [1, 14, 18, 2, 23]);
    const [conv, pool, reshape, dense, softmax] = f.ops;
    assert.equal(conv.name, 'conv');
    // group, kh, kw, stride_h, stride_w, pad_top, pad_left, pad_bottom, pad_right, dil_h, dil_w, act (relu)
    assert.deepEqual(conv.iattrs, [1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    assert.deepEqual(conv.fattrs, [0, 0]);
    assert.equal(conv.inputs.length, 3);
    assert.deepEqual(pool.iattrs, [2, 2, 2, 2, 0, 0, 0, 0, 1, 1]);
    assert.deepEqual(f.tensors[reshape.outputs[0]].dims, [27]);
    assert.deepEqual(dense.iattrs, [0]);
    assert.deepEqual(softmax.iattrs, [1, 0]);
    assert.ok(f.ops.every((o) => o.reserved === 0));
  });

  it('writes layers as HPVM lines of slots: kind, part and op index', () => {
    assert.deepEqual(f.layers, [
      [
        { kind: 1, part: 0, reserved: 0, op: 0 },
        { kind: 4, part: 1, reserved: 0, op: 0 },
        { kind: 5, part: 2, reserved: 0, op: 0 },
        { kind: 7, part: 0, reserved: 0, op: 1 },
      ],
      [
        { kind: 3, part: 0, reserved: 0, op: 3 },
        { kind: 4, part: 1, reserved: 0, op: 3 },
      ],
      [{ kind: 9, part: 0, reserved: 0, op: 4 }],
    ]);
    assert.deepEqual(m.layers.map((l) => l.slots.map((s) => s.op)), [['conv', 'add', 'relu', 'pool_max'], ['mul', 'add'], ['softmax']]);
    assert.equal(m.endsWithSoftmax, true);
  });

  it('writes a convolution without bias with two inputs and a single-slot layer', () => {
    const b = new OnnxBuilder(13);
    const [y] = b.node('Conv', [b.input('x', [null, 1, 4, 4]), b.constant('w', [1, 1, 1, 1], [2])], {}, 'conv');
    b.output(y);
    const g = parse(compileModel(b.build()).mpxm);
    assert.equal(g.ops[0].inputs.length, 2);
    assert.deepEqual(g.layers, [[{ kind: 1, part: 0, reserved: 0, op: 0 }]]);
  });

  it('compiles Softmax of opset < 13 over the flattened trailing axes', () => {
    for (const [opset, expected] of [[11, [1, 1]], [13, [3, 0]]] as const) {
      const b = new OnnxBuilder(opset);
      const [y] = b.node('Softmax', [b.input('x', [null, 2, 3, 4])], {}, 'softmax');
      b.output(y);
      assert.deepEqual(parse(compileModel(b.build()).mpxm).ops[0].iattrs, expected, `opset ${opset}`);
    }
  });
});

describe('compiled model description', () => {
  it('sees a Softmax behind a final reshape', () => {
    const b = new OnnxBuilder(13);
    const [s] = b.node('Softmax', [b.input('x', [null, 2, 3])], {}, 'softmax');
    const [y] = b.node('Flatten', [s], {}, 'flatten');
    b.output(y);
    const m = compileModel(b.build());
    assert.equal(m.endsWithSoftmax, true);
    assert.deepEqual(m.outputShapes, [[6]]);
    const b2 = new OnnxBuilder(13);
    const [s2] = b2.node('Softmax', [b2.input('x', [null, 3])], {}, 'softmax');
    const [y2] = b2.node('Relu', [s2], {}, 'relu');
    b2.output(y2);
    assert.equal(compileModel(b2.build()).endsWithSoftmax, false);
  });
});

describe('layer formation', () => {
  const DATA_MOVEMENT = new Set([18, 19, 20, 21, 22]);

  /** Every float op is the part-0 step of exactly one slot; data movement belongs to no layer. */
  function assertPartition(mpxm: Buffer): ReturnType<typeof parse> {
    const f = parse(mpxm);
    const owners = f.ops.map(() => 0);
    for (const layer of f.layers) for (const s of layer) if (s.part === 0) owners[s.op]++;
    f.ops.forEach((op, i) => assert.equal(owners[i], DATA_MOVEMENT.has(op.type) ? 0 : 1, `op ${i} '${op.name}' (type ${op.type})`));
    return f;
  }

  it('puts every float op in exactly one layer (small network)', () => {
    assertPartition(compileModel(smallNet().bytes).mpxm);
  });

  it('puts every float op of resnet20 in exactly one layer and keeps its shortcuts as SLICE and PAD', function () {
    const file = path.resolve(__dirname, '../../../shared/models/resnet20_cifar10.onnx');
    requireShared(this, 'models/resnet20_cifar10.onnx');
    const f = assertPartition(compileModel(file).mpxm);
    const pads = f.ops.filter((o) => o.type === 21);
    assert.equal(pads.length, 2);
    // Option-A shortcuts: zero channels on both sides (16 → 32 and 32 → 64), nothing else.
    assert.deepEqual(pads.map((p) => p.iattrs), [[0, 8, 0, 0, 0, 8, 0, 0], [0, 16, 0, 0, 0, 16, 0, 0]]);
    assert.deepEqual(pads.map((p) => p.fattrs), [[0], [0]]);
    const slices = f.ops.filter((o) => o.type === 22);
    // x[:, :, ::2] then [:, :, :, ::2]: start[4] then step[4].
    assert.deepEqual(slices.map((s) => s.iattrs), [
      [0, 0, 0, 0, 1, 1, 2, 1], [0, 0, 0, 0, 1, 1, 1, 2], [0, 0, 0, 0, 1, 1, 2, 1], [0, 0, 0, 0, 1, 1, 1, 2],
    ]);
  });
});
