/**
 * The `mobiprox run` command on bad input, through the real built CLI: every mistake ends in one line
 * `mobiprox: …` that names what is wrong (no stack trace), a non-zero exit, and nothing written.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compileModel } from '../src/core/compile';
import { encodeNpy } from '../src/core/data/npy';
import { CLI, cli } from './support/cli';
import { REPO_ROOT, requireRuntime } from './support/engine';
import { Random } from './support/random';
import { OnnxBuilder } from './support/onnxBuilder';

/** The bundled default model: input [N, 128, 9] (channels last: it normalizes, then transposes them first), 6 classes. */
const MODEL = path.join(REPO_ROOT, 'media/models/har-mobiprox.onnx');

/** A .npy file written by hand, so that its header can say anything. */
function rawNpy(header: string, data: Uint8Array): Buffer {
  let text = header;
  const total = 10 + text.length + 1;
  text += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const head = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0, 0]);
  head.writeUInt16LE(text.length, 8);
  return Buffer.concat([head, Buffer.from(text, 'latin1'), data]);
}

describe('mobiprox run: errors on bad input (CLI)', function () {
  this.timeout(60_000);
  let dir: string;
  let outDir: string;
  const file = (name: string) => path.join(dir, name);
  const floats = (shape: number[], seed = 1) => {
    const data = new Random(seed).normals(shape.reduce((a, b) => a * b, 1));
    return { dtype: 'float32' as const, shape, data };
  };

  before(function () {
    requireRuntime(this);
    assert.ok(fs.existsSync(CLI), `${CLI} is missing: build with 'npx tsc -p .'`);
  });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-cli-'));
    outDir = path.join(dir, 'out');
    fs.mkdirSync(outDir);
    fs.writeFileSync(file('good-x.npy'), encodeNpy(floats([4, 128, 9])));
    fs.writeFileSync(file('good-y.npy'), encodeNpy({ dtype: 'int32', shape: [4], data: Int32Array.from([0, 1, 2, 3]) }));
  });

  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Runs `mobiprox run` with --save-outputs into an empty folder and checks the shape of the failure. */
  async function fails(args: string[], ...mustMention: (string | RegExp)[]): Promise<string> {
    const r = await cli(['run', ...args, '--save-outputs', path.join(outDir, 'y.npy')]);
    assert.notEqual(r.code, 0, `expected a failure, got exit 0 with ${r.stdout}`);
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, `expected one line on stderr, got:\n${r.stderr}`);
    const message = lines[0];
    assert.match(message, /^mobiprox: /);
    assert.doesNotMatch(message, /\n\s+at |\.js:\d+/, 'a stack trace leaked');
    for (const m of mustMention) {
      if (typeof m === 'string') assert.ok(message.includes(m), `'${message}' does not mention '${m}'`);
      else assert.match(message, m);
    }
    assert.deepEqual(fs.readdirSync(outDir), [], 'files were left in the --save-outputs folder');
    return message;
  }

  it('runs the good case (the harness itself works)', async () => {
    const r = await cli(['run', MODEL, '--input', file('good-x.npy'), '--labels', file('good-y.npy'),
      '--save-outputs', path.join(outDir, 'y.npy'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(fs.readdirSync(outDir), ['y.npy']);
  });

  it('a missing model file', async () => {
    await fails([file('nope.onnx'), '--input', file('good-x.npy')], file('nope.onnx'));
  });

  it('a missing input file', async () => {
    await fails([MODEL, '--input', file('nope.npy')], file('nope.npy'));
  });

  it('an empty (0-byte) model file', async () => {
    fs.writeFileSync(file('empty.onnx'), '');
    await fails([file('empty.onnx'), '--input', file('good-x.npy')], file('empty.onnx'));
  });

  it('an empty (0-byte) input file', async () => {
    fs.writeFileSync(file('empty.npy'), '');
    await fails([MODEL, '--input', file('empty.npy')], file('empty.npy'));
  });

  it('a model file that is not ONNX', async () => {
    fs.writeFileSync(file('notes.onnx'), 'These are my notes, not a neural network.\n'.repeat(20));
    await fails([file('notes.onnx'), '--input', file('good-x.npy')], file('notes.onnx'), /ONNX/i);
  });

  it('an input of the wrong shape names both shapes and suggests --nhwc when the channels look last', async () => {
    const b = new OnnxBuilder(13);
    const [y] = b.node('Conv', [b.input('x', [null, 3, 8, 8]), b.constant('w', [2, 3, 1, 1], [1, 0, 0, 0, 1, 0])], {}, 'conv');
    b.output(y);
    fs.writeFileSync(file('nchw.onnx'), b.build());
    fs.writeFileSync(file('nhwc.npy'), encodeNpy(floats([2, 8, 8, 3])));
    await fails([file('nchw.onnx'), '--input', file('nhwc.npy')], file('nhwc.npy'), /8, 8, 3/, /3, 8, 8/, 'add --nhwc');
  });

  it('on a channels-last model [8, 8, 3] (rescaled, then transposed, inside) --mean counts its 3 channels and --nhwc is refused', async () => {
    const b = new OnnxBuilder(13);
    const [scaled] = b.node('Mul', [b.input('x', [null, 8, 8, 3]), b.constant('s', [], [0.5])], {}, 'rescale');
    const [t] = b.node('Transpose', [scaled], { perm: [0, 3, 1, 2] }, 'to_nchw');
    const [y] = b.node('Conv', [t, b.constant('w', [2, 3, 1, 1], [1, 0, 0, 0, 1, 0])], {}, 'conv');
    b.output(y);
    fs.writeFileSync(file('keras.onnx'), b.build());
    fs.writeFileSync(file('hwc.npy'), encodeNpy(floats([2, 8, 8, 3])));
    await fails([file('keras.onnx'), '--input', file('hwc.npy'), '--mean', '0,0'], /--mean has 2 values but .*hwc\.npy has 3 channels \(the last axis, 3/);
    const message = await fails([file('keras.onnx'), '--input', file('hwc.npy'), '--nhwc', '--mean', '0,0,0'], "node 'to_nchw' moves the channels itself", 'drop --nhwc');
    assert.ok(!message.includes('add --nhwc'), message);
  });

  it('channels-first input to a channels-last model (normalized, then transposed, inside) is named so, without --nhwc', async () => {
    fs.writeFileSync(file('cf.npy'), encodeNpy(floats([4, 9, 128])));
    const message = await fails([MODEL, '--input', file('cf.npy')], file('cf.npy'), /9, 128/, /128, 9/, 'the model takes them last');
    assert.ok(!message.includes('--nhwc'), message);
  });

  it('an input of the wrong shape without a layout hint when the layout is not the problem', async () => {
    fs.writeFileSync(file('odd.npy'), encodeNpy(floats([4, 10, 10])));
    const message = await fails([MODEL, '--input', file('odd.npy')], file('odd.npy'), /10, 10/, /128, 9/);
    assert.ok(!message.includes('--nhwc'), `'${message}' suggests --nhwc for a shape it cannot fix`);
  });

  it('labels out of range name the file, the value and the sample', async () => {
    fs.writeFileSync(file('bad-y.npy'), encodeNpy({ dtype: 'int32', shape: [4], data: Int32Array.from([0, 1, 6, 3]) }));
    await fails([MODEL, '--input', file('good-x.npy'), '--labels', file('bad-y.npy')], file('bad-y.npy'), /\b6\b/, /sample 2\b/);
  });

  it('negative labels', async () => {
    fs.writeFileSync(file('neg-y.npy'), encodeNpy({ dtype: 'int64', shape: [4], data: BigInt64Array.from([0n, -1n, 2n, 3n]) }));
    await fails([MODEL, '--input', file('good-x.npy'), '--labels', file('neg-y.npy')], file('neg-y.npy'), /-1/, /sample 1\b/);
  });

  it('NaN in the input names the file and the sample', async () => {
    const x = floats([4, 128, 9]);
    x.data[1 * 128 * 9 + 17] = NaN;
    fs.writeFileSync(file('nan.npy'), encodeNpy(x));
    await fails([MODEL, '--input', file('nan.npy')], file('nan.npy'), /NaN/, /sample 1\b/);
  });

  it('infinity in the input names the file and the sample', async () => {
    const x = floats([4, 128, 9]);
    x.data[3 * 128 * 9] = -Infinity;
    fs.writeFileSync(file('inf.npy'), encodeNpy(x));
    await fails([MODEL, '--input', file('inf.npy')], file('inf.npy'), /Infinity/, /sample 3\b/);
  });

  it('an unsupported op lists every unsupported op type with its node name', async () => {
    const b = new OnnxBuilder(13);
    const x = b.input('x', [null, 4, 4]);
    const [e] = b.node('Einsum', [x, x], { equation: 'bij,bjk->bik' }, 'my_einsum');
    const k = b.constant('k', [1], [2], 'int64');
    const [values] = b.node('TopK', [e, k], { axis: -1 }, 'my_topk', 2);
    b.output(values);
    fs.writeFileSync(file('unsupported.onnx'), b.build());
    fs.writeFileSync(file('x44.npy'), encodeNpy(floats([2, 4, 4])));
    await fails([file('unsupported.onnx'), '--input', file('x44.npy')], 'Einsum', 'my_einsum', 'TopK', 'my_topk');
  });

  it('absurd dims in an .npy header', async () => {
    fs.writeFileSync(file('huge.npy'), rawNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000, 128, 9), }", new Uint8Array(64)));
    await fails([MODEL, '--input', file('huge.npy')], file('huge.npy'));
  });

  it('dims beyond any integer in an .npy header', async () => {
    fs.writeFileSync(file('vast.npy'), rawNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999, 128, 9), }", new Uint8Array(64)));
    await fails([MODEL, '--input', file('vast.npy')], file('vast.npy'));
  });

  it('an absurd --threads value is refused up front, naming the option and the value', async () => {
    // A usage error: commander's own format (with the help text) is fine, as long as nothing runs.
    const started = Date.now();
    const r = await cli(['run', MODEL, '--input', file('good-x.npy'), '--threads', '100000', '--save-outputs', path.join(outDir, 'y.npy')]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /--threads/);
    assert.match(r.stderr, /100000/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'a stack trace leaked');
    assert.ok(Date.now() - started < 10_000, 'the thread count was not refused before running');
    assert.deepEqual(fs.readdirSync(outDir), []);
  });

  /** The model's configuration lines, every slot at `knob` except layer `layer`'s first slot at `first`. */
  function configuration(name: string, layer: number, first: number, firstName: string): string {
    const lines = compileModel(MODEL).layers.map((l) => `${l.index} gpu ${l.slots.map((slot, i) =>
      (l.index === layer && i === 0 ? `${slot.op} ${firstName} ${first}` : `${slot.op} fp32 11`)).join(' ')}`);
    return ['0.0', '+++++', `${name} 1.0 1.0 0.0 0.0`, ...lines, '-----', ''].join('\n');
  }

  it('a configuration whose line does not match the layer names the file, the configuration and the line', async () => {
    fs.writeFileSync(file('wrong.txt'), ['0.0', '+++++', 'confA 1.0 1.0 0.0 0.0', '1 gpu conv perf 121 add fp32 11', '-----', ''].join('\n'));
    await fails([MODEL, '--input', file('good-x.npy'), '--configs', file('wrong.txt'), '--config', 'confA'], 'wrong.txt', 'confA', /line 4\b/);
  });

  it('an unknown knob id names the configuration and the id', async () => {
    const conv = compileModel(MODEL).layers.find((l) => l.op === 'conv')!;
    fs.writeFileSync(file('unknown.txt'), configuration('confB', conv.index, 999, 'perf'));
    await fails([MODEL, '--input', file('good-x.npy'), '--configs', file('unknown.txt'), '--config', 'confB'], 'unknown.txt', 'confB', '999');
  });

  /** A Mobiprox JSON set of the model with `configurations` after its exact one. */
  function jsonSet(...configurations: unknown[]): string {
    const model = compileModel(MODEL);
    const layers = model.layers.map((l) => l.slots.map((slot) => slot.op));
    const exact = { name: 'conf0', speedup: 1, energy: 1, accuracy: 0, qosLoss: 0, layers: layers.map((ops) => ops.map((op) => ({ op, knob: 11 }))) };
    return JSON.stringify({
      format: 'mobiprox-configurations', version: 1, model: { name: model.name, sha256: '', inputShape: model.inputShape, layers },
      baselineTime: 0, configurations: [exact, ...configurations],
    });
  }

  it('a JSON set with null or empty layers names the file, the configuration and the layer (exit 2)', async () => {
    const exact = JSON.parse(jsonSet()).configurations[0];
    fs.writeFileSync(file('null.json'), jsonSet({ ...exact, name: 'confN', layers: null }));
    await fails([MODEL, '--input', file('good-x.npy'), '--configs', file('null.json'), '--config', 'confN'], file('null.json'), 'confN', 'layers is null');
    fs.writeFileSync(file('empty.json'), jsonSet({ ...exact, name: 'confE', layers: [{}, ...exact.layers.slice(1)] }));
    await fails([MODEL, '--input', file('good-x.npy'), '--configs', file('empty.json')], file('empty.json'), 'confE', 'layer 1');
    const r = await cli(['run', MODEL, '--input', file('good-x.npy'), '--configs', file('empty.json')]);
    assert.equal(r.code, 2);
  });

  it("a JSON set's unknown or inapplicable knob names the user's file, not a converted one", async () => {
    const exact = JSON.parse(jsonSet()).configurations[0];
    const dense = compileModel(MODEL).layers.findIndex((l) => l.op !== 'conv');
    const layers = exact.layers.map((slots: { op: string; knob: number }[], i: number) =>
      (i === dense ? [{ ...slots[0], knob: 121 }, ...slots.slice(1)] : slots));
    fs.writeFileSync(file('perf.json'), jsonSet({ ...exact, name: 'confP', layers }));
    const message = await fails([MODEL, '--input', file('good-x.npy'), '--configs', file('perf.json'), '--config', 'confP'],
      file('perf.json'), 'confP', `layer ${dense + 1}`, 'knob 121 does not apply');
    assert.ok(!message.includes('configs.txt'), message);
    const unknown = exact.layers.map((slots: { op: string; knob: number }[], i: number) => (i === 0 ? [{ ...slots[0], knob: 999 }, ...slots.slice(1)] : slots));
    fs.writeFileSync(file('999.json'), jsonSet({ ...exact, name: 'conf9', layers: unknown }));
    await fails([MODEL, '--input', file('good-x.npy'), '--configs', file('999.json'), '--config', 'conf9'], file('999.json'), 'conf9', 'layer 1', '999');
  });

  it('an unknown --config name names it', async () => {
    const conv = compileModel(MODEL).layers.find((l) => l.op === 'conv')!;
    fs.writeFileSync(file('good.txt'), configuration('confC', conv.index, 121, 'perf'));
    await fails([MODEL, '--input', file('good-x.npy'), '--configs', file('good.txt'), '--config', 'nope'], 'nope');
  });

  it('--save-outputs into a missing folder names the path the user gave', async () => {
    const target = path.join(dir, 'missing', 'y.npy');
    const r = await cli(['run', MODEL, '--input', file('good-x.npy'), '--save-outputs', target]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr.trim(), /^mobiprox: /);
    assert.ok(r.stderr.includes(`${target}:`) || r.stderr.includes(`${target} `), `'${r.stderr.trim()}' does not name ${target}`);
    assert.ok(!r.stderr.includes('.tmp'), `'${r.stderr.trim()}' names an internal temporary file`);
  });

  it('a float16 .npy names the dtype', async () => {
    fs.writeFileSync(file('half.npy'), rawNpy("{'descr': '<f2', 'fortran_order': False, 'shape': (4, 128, 9), }", new Uint8Array(4 * 128 * 9 * 2)));
    await fails([MODEL, '--input', file('half.npy')], file('half.npy'), /f2|float16/);
  });
});

/** Four random windows of the bundled HAR model's input shape as x.npy, and labels 0-3 as y.npy, in `dir`. */
function writeHarSamples(dir: string, seed: number): void {
  fs.writeFileSync(path.join(dir, 'x.npy'), encodeNpy({ dtype: 'float32', shape: [4, 128, 9], data: new Random(seed).normals(4 * 128 * 9) }));
  fs.writeFileSync(path.join(dir, 'y.npy'), encodeNpy({ dtype: 'int32', shape: [4], data: Int32Array.from([0, 1, 2, 3]) }));
}

describe('mobiprox profile: host checks before any device work (CLI)', function () {
  this.timeout(60_000);
  let dir: string;
  const file = (name: string) => path.join(dir, name);

  before(function () {
    requireRuntime(this);
  });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-cli-profile-'));
    writeHarSamples(dir, 2);
  });

  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** `profile` against an adb that does not exist: anything but a host check would fail on it instead. */
  async function profileFails(model: string, configs: string, ...mustMention: string[]): Promise<void> {
    const r = await cli(['profile', model, '--input', file('x.npy'), '--labels', file('y.npy'), '--configs', configs,
      '--adb', file('no-adb'), '--out', file('profiled.json')]);
    assert.equal(r.code, 2, r.stderr);
    const message = r.stderr.trim();
    assert.equal(message.split('\n').length, 1, `expected one line, got:\n${r.stderr}`);
    assert.doesNotMatch(message, /\n\s+at |\.js:\d+|EISDIR/, 'a stack trace leaked');
    assert.ok(!message.includes('no-adb'), `'${message}' came from the device side, not the host check`);
    for (const m of mustMention) assert.ok(message.includes(m), `'${message}' does not mention '${m}'`);
    const left = fs.readdirSync(dir).filter((n) => !['x.npy', 'y.npy', path.basename(configs), 'models'].includes(n));
    assert.deepEqual(left, [], 'files were left behind (a record log?)');
  }

  it('a configuration that does not fit the model is refused before adb, and no record log is left', async () => {
    const layers = compileModel(MODEL).layers;
    const dense = layers.findIndex((l) => l.op !== 'conv');
    const lines = layers.map((l, i) => `${l.index} gpu ${l.slots.map((slot, k) =>
      `${slot.op} ${i === dense && k === 0 ? 'perf 121' : 'fp32 11'}`).join(' ')}`);
    fs.writeFileSync(file('bad.txt'), ['0.0', '+++++', 'confD 1.0 1.0 0.0 0.0', ...lines, '-----', ''].join('\n'));
    await profileFails(MODEL, file('bad.txt'), file('bad.txt'), 'confD', `layer ${dense + 1}`, 'knob 121 does not apply');
  });

  it('a folder as the model path says so', async () => {
    fs.mkdirSync(file('models'));
    fs.writeFileSync(file('ok.txt'), '0.0\n');
    await profileFails(file('models'), file('ok.txt'), file('models'), 'is a folder');
    const r = await cli(['run', file('models'), '--input', file('x.npy')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr.trim(), /^mobiprox: The model path .* is a folder; give the \.onnx file\.$/);
  });

  it('a folder as the input, the labels or the configurations says so, for run and profile', async () => {
    fs.mkdirSync(file('models'));
    const folder = file('models');
    fs.writeFileSync(file('ok.txt'), '0.0\n');
    const cases: [string[], string][] = [
      [['--input', folder, '--labels', file('y.npy'), '--configs', file('ok.txt')], '.npy file'],
      [['--input', file('x.npy'), '--labels', folder, '--configs', file('ok.txt')], '.npy file'],
      [['--input', file('x.npy'), '--labels', file('y.npy'), '--configs', folder], 'configuration file'],
    ];
    for (const [args, expected] of cases) {
      for (const command of ['run', 'profile']) {
        const extra = command === 'profile' ? ['--adb', file('no-adb'), '--out', file('profiled.json')] : [];
        const r = await cli([command, MODEL, ...args, ...extra]);
        assert.equal(r.code, 2, r.stderr);
        assert.equal(r.stderr.trim(), `mobiprox: ${folder} is a folder; give the ${expected}${expected === '.npy file' ? '' : ' (Mobiprox JSON or ApproxTuner/HPVM text)'}.`);
      }
    }
    assert.deepEqual(fs.readdirSync(dir).sort(), ['models', 'ok.txt', 'x.npy', 'y.npy']);
  });
});

describe('mobiprox: output paths checked before any work (CLI)', function () {
  this.timeout(60_000);
  let dir: string;
  const file = (name: string) => path.join(dir, name);

  before(function () {
    requireRuntime(this);
  });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-cli-out-'));
    writeHarSamples(dir, 3);
    fs.writeFileSync(file('set.txt'), ['0.0', '+++++', ...compileModel(MODEL).layers.map((l) => `${l.index} gpu ${l.slots.map((s) => `${s.op} fp32 11`).join(' ')}`), '-----', ''].join('\n'));
    fs.mkdirSync(file('folder'));
  });

  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a folder where a file is written, and a file where a folder is, are refused with the option named (exit 2)', async () => {
    const data = ['--input', file('x.npy'), '--labels', file('y.npy')];
    const cases: [string[], string][] = [
      [['tune', MODEL, ...data, '--out', file('folder')], `--out ${file('folder')} is a folder; give the file to write in it.`],
      [['profile', MODEL, ...data, '--configs', file('set.txt'), '--out', file('folder')], `--out ${file('folder')} is a folder; give the file to write in it.`],
      [['run', MODEL, ...data, '--save-outputs', file('folder')], `--save-outputs ${file('folder')} is a folder; give the file to write in it.`],
      [['generate', '--configs', file('set.txt'), '--strategy', 'naive', '--package', 'a.b', '--out', file('x.npy')], `--out ${file('x.npy')} is a file; give a folder to write into.`],
      [['bundle', MODEL, '--configs', file('set.txt'), '--strategy', 'naive', '--out', file('x.npy')], `--out ${file('x.npy')} is a file; give a folder to write into.`],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      assert.equal(r.code, 2, `${args[0]}: ${r.stderr}`);
      assert.equal(r.stderr.trim(), `mobiprox: ${message}`);
    }
    assert.deepEqual(fs.readdirSync(dir).sort(), ['folder', 'set.txt', 'x.npy', 'y.npy']);
    assert.deepEqual(fs.readdirSync(file('folder')), []);
  });
});
