import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MobiproxError } from '../src/core/errors';
import { loadOnnx } from '../src/core/onnx/load';
import { checkSupportedOps } from '../src/core/onnx/passes/checkSupportedOps';
import { OnnxBuilder, tensorProto } from './support/onnxBuilder';

function relu(opset = 13): OnnxBuilder {
  const b = new OnnxBuilder(opset);
  const x = b.input('x', [null, 4]);
  const [y] = b.node('Relu', [x], {}, 'relu');
  b.output(y);
  return b;
}

describe('ONNX loading', () => {
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-load-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const rejects = (source: string | Uint8Array, ...parts: (string | RegExp)[]) => {
    assert.throws(
      () => loadOnnx(source),
      (e: unknown) => {
        assert.ok(e instanceof MobiproxError, `expected a MobiproxError, got ${e}`);
        for (const p of parts) typeof p === 'string' ? assert.ok(e.message.includes(p), e.message) : assert.match(e.message, p);
        return true;
      },
    );
  };

  it('names a missing file', () => rejects(path.join(dir, 'absent.onnx'), 'absent.onnx', /does not exist/));

  it('names an empty file', () => {
    const f = path.join(dir, 'empty.onnx');
    fs.writeFileSync(f, '');
    rejects(f, f, /empty/);
  });

  it('names a file that is not ONNX', () => {
    const f = path.join(dir, 'text.onnx');
    fs.writeFileSync(f, 'this is certainly not a protobuf model, just some text\n');
    rejects(f, f, /not an ONNX model/);
  });

  it('rejects opsets outside 7-21', () => {
    rejects(relu(6).build(), /opset 6/);
    rejects(relu(22).build(), /opset 22/);
  });

  it('reads initializers (float, int64, raw data) and the per-sample input shape', () => {
    const b = relu(9);
    b.constant('w', [2, 2], [1.5, -2, 0.25, 3]);
    b.constant('i', [3], [-1, 0, 7], 'int64');
    const g = loadOnnx(b.build(), 'm');
    assert.deepEqual(g.shape('x'), [4]);
    assert.deepEqual(Array.from(g.constant('w')!.data), [1.5, -2, 0.25, 3]);
    assert.equal(g.constant('i')!.type, 'int');
    assert.deepEqual(Array.from(g.constant('i')!.data), [-1, 0, 7]);
  });

  it('reads raw little-endian int64 data, saturating beyond 2^53', () => {
    const b = relu();
    const raw = Buffer.alloc(24);
    raw.writeBigInt64LE(9223372036854775807n, 0);
    raw.writeBigInt64LE(-42n, 8);
    raw.writeBigInt64LE(-9223372036854775807n, 16);
    b.initializer({ ...tensorProto('big', [3], [], 'int64'), rawData: raw });
    const g = loadOnnx(b.build());
    assert.deepEqual(Array.from(g.constant('big')!.data), [Number.MAX_SAFE_INTEGER, -42, -Number.MAX_SAFE_INTEGER]);
  });

  it('needs exactly one activation input with fixed per-sample axes', () => {
    const b = new OnnxBuilder(13);
    const x = b.input('x', [null, 4]);
    const z = b.input('z', [null, 4]);
    const [y] = b.node('Add', [x, z], {}, 'add');
    b.output(y);
    rejects(b.build(), /2 graph inputs/, 'x', 'z');
    const c = new OnnxBuilder(13);
    const [r] = c.node('Relu', [c.input('x', [null, 'len'])], {}, 'relu');
    c.output(r);
    rejects(c.build(), /Axis 1 of input 'x'/);
  });

  it('lists every unsupported op type with all its nodes in one error', () => {
    const b = new OnnxBuilder(13);
    const x = b.input('x', [null, 4, 4]);
    const [e1] = b.node('Einsum', [x, x], { equation: 'bij,bjk->bik' }, 'einsum_a');
    const [e2] = b.node('Einsum', [e1, x], { equation: 'bij,bjk->bik' }, 'einsum_b');
    const [l] = b.node('LRN', [e2], { size: 3 }, 'norm');
    const [r] = b.node('Relu', [l], {}, 'fine');
    b.output(r);
    const g = loadOnnx(b.build());
    assert.throws(
      () => checkSupportedOps(g),
      (e: unknown) => {
        assert.ok(e instanceof MobiproxError);
        assert.match(e.message, /Einsum \('einsum_a', 'einsum_b'\)/);
        assert.match(e.message, /LRN \('norm'\)/);
        assert.ok(!e.message.includes("'fine'"));
        return true;
      },
    );
  });
});
