/**
 * The TS↔C seam of the .mpxm format: native-runtime/format.tsv is the one table of its codes, limits and record
 * fields; the C header and the TypeScript module generated from it are checked in, and a table edited without
 * regenerating them fails here. A model the TypeScript writer compiles is read back by the C loader (mpxrun info).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compileModel } from '../src/core/compile';
import { MPXM_MAX_OPS, OpType, SLOT_KINDS } from '../src/core/compile/formatTable';
import { writeMpxm } from '../src/core/compile/mpxm';
import { Program } from '../src/core/compile/program';
import { MobiproxError } from '../src/core/errors';
import { modelInfo } from '../src/core/runtime/mpxrun';
import { requireRuntime } from './support/engine';
import { OnnxBuilder } from './support/onnxBuilder';
import { TableCopy, copyTable, itChecksGeneratedFiles } from './support/tableGenerator';

const FILES = ['native-runtime/format.tsv', 'native-runtime/src/format_table.h', 'src/core/compile/formatTable.ts'];

describe('the .mpxm format table (native-runtime/format.tsv)', () => {
  let t: TableCopy;

  beforeEach(() => (t = copyTable('toolchain/generate-format.mjs', FILES)));
  afterEach(() => t.dispose());

  itChecksGeneratedFiles(() => t, {
    edit: (text) => text.replace('\n16\tleaky_relu\n', '\n16\tleaky_relu\n17\tgelu\n'),
    stale: /native-runtime\/src\/format_table\.h and src\/core\/compile\/formatTable\.ts differ from native-runtime\/format\.tsv/,
    regenerated: (header, module) => {
      assert.match(header, /MPX_SLOT_GELU = 17,\n {4}MPX_SLOT_KIND_COUNT = 18/);
      assert.match(module, /\n {2}gelu: 17,\n/);
    },
  });

  it('a field added to a record moves the offsets after it on both sides', () => {
    const table = t.file(0);
    fs.writeFileSync(table, fs.readFileSync(table, 'utf8').replace('\nheader\treserved\tu32\n', '\nheader\treserved\tu32\nheader\tflags\tu32\n'));
    assert.equal(t.generate().status, 0);
    const header = fs.readFileSync(t.file(1), 'utf8');
    assert.match(header, /#define MPX_HEADER_AT_FLAGS 40 /);
    assert.match(header, /#define MPX_HEADER_AT_WEIGHTS_SIZE 44 /);
    assert.match(header, /#define MPX_HEADER_RECORD_SIZE 52\n/);
    assert.match(fs.readFileSync(t.file(2), 'utf8'), /\{ field: 'weights_size', type: 'u64', offset: 44 \}/);
  });

  it('refuses a row that breaks the table, naming its line', () => {
    const table = t.file(0);
    const text = fs.readFileSync(table, 'utf8');
    fs.writeFileSync(table, text.replace('\n23\tSOFTMAX\t', '\n25\tSOFTMAX\t'));
    const gap = t.generate();
    assert.equal(gap.status, 2);
    const line = text.split('\n').findIndex((l) => l.startsWith('23\tSOFTMAX')) + 1;
    assert.match(gap.stderr, new RegExp(`format\\.tsv:${line}: codes must ascend by 1: 25\tSOFTMAX`));
    fs.writeFileSync(table, text.replace('\nop\tname\tu32\n', '\nop\tname\tu24\n'));
    assert.match(t.generate().stderr, /format\.tsv:\d+: the type must be one of char4, u8, u16, u32, u64: op\tname\tu24/);
  });

  it('the writer refuses an op whose attribute counts are not those the table gives its type, and more ops than its limit', () => {
    const program: Program = {
      tensors: [
        { name: 'x', kind: 'activation', dims: [4] },
        { name: 'y', kind: 'activation', dims: [4] },
      ],
      inputs: [0],
      outputs: [1],
      ops: [{ type: OpType.CLIP, name: 'clip', inputs: [0], outputs: [1], iattrs: [], fattrs: [0] }],
      layers: [[{ kind: 'clip', part: 0, op: 0, node: 'clip' }]],
    };
    assert.throws(() => writeMpxm(program), (e: unknown) => e instanceof MobiproxError && /op 'clip' \(CLIP\) with 1 float attributes, the format has 2/.test(e.message));
    program.ops[0].fattrs = [0, 6];
    assert.equal(writeMpxm(program).subarray(0, 4).toString('ascii'), 'MPXM');
    const tooMany = { ...program, ops: new Array(MPXM_MAX_OPS + 1).fill(program.ops[0]) };
    assert.throws(() => writeMpxm(tooMany), /has 1000001 ops, more than the \.mpxm format allows \(1000000\)/);
  });
});

describe('a model the TypeScript writer compiles, read by the C loader', () => {
  let dir: string;
  before(function () {
    requireRuntime(this);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-format-roundtrip-'));
  });
  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  it('mpxrun info reports the input, the outputs and every layer slot the compiler wrote', async () => {
    const b = new OnnxBuilder(13);
    const x = b.input('x', [null, 2, 6, 6]);
    const [conv] = b.node('Conv', [x, b.constant('w', [4, 1, 3, 3], new Array(36).fill(0.1))], { pads: [1, 1, 1, 1], group: 2 }, 'conv');
    const [act] = b.node('Clip', [conv, b.constant('lo', [], [0]), b.constant('hi', [], [6])], {}, 'clip');
    const [pool] = b.node('AveragePool', [act], { kernel_shape: [2, 2], strides: [2, 2] }, 'pool');
    const [sum] = b.node('Add', [pool, b.constant('shift', [4, 1, 1], [1, 2, 3, 4])], {}, 'add');
    const [tanh] = b.node('Tanh', [sum], {}, 'tanh');
    const [flat] = b.node('Flatten', [tanh], {}, 'flatten');
    const [dense] = b.node('Gemm', [flat, b.constant('fw', [3, 36], new Array(108).fill(0.01))], { transB: 1 }, 'dense');
    const [prob] = b.node('Softmax', [dense], { axis: 1 }, 'softmax');
    b.output(prob);
    const m = compileModel(b.build(), { name: 'roundtrip' });
    const file = path.join(dir, 'roundtrip.mpxm');
    fs.writeFileSync(file, m.mpxm);
    const info = await modelInfo(file);
    assert.equal(info.input.name, 'x');
    assert.deepEqual(info.input.dims, [2, 6, 6]);
    assert.deepEqual(info.outputs.map((o) => [o.name, o.dims]), [['softmax_out', [3]]]);
    const written = m.layers.map((l) => l.slots.map((s) => s.op));
    assert.deepEqual(info.layers.map((l) => l.slots.map((s) => s.op)), written);
    const kinds = new Set(written.flat());
    for (const k of ['group_conv', 'clip', 'pool_mean', 'add', 'tanh', 'mul', 'softmax']) assert.ok(kinds.has(k), `the model has a ${k} slot`);
    for (const k of kinds) assert.ok(k in SLOT_KINDS, k);
  });
});
