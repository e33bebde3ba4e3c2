import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OnnxBuilder } from './support/onnxBuilder';

const MAIN = path.resolve(__dirname, '../src/cli/main.js');

describe('mobiprox inspect', () => {
  let dir: string;
  let model: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-inspect-'));
    const b = new OnnxBuilder(13);
    const x = b.input('x', [null, 2, 5, 5]);
    const [c] = b.node('Conv', [x, b.constant('w', [4, 2, 3, 3], new Array(72).fill(0.1)), b.constant('b', [4], [0, 0, 0, 0])], { pads: [1, 1, 1, 1] }, 'conv');
    const [r] = b.node('Relu', [c], {}, 'relu');
    const [g] = b.node('GlobalAveragePool', [r], {}, 'gap');
    const [f] = b.node('Flatten', [g], {}, 'flatten');
    const [s] = b.node('Softmax', [f], {}, 'softmax');
    b.output(s);
    model = path.join(dir, 'tiny.onnx');
    fs.writeFileSync(model, b.build());
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints the layers with ops, shapes, FLOPs and compact knob ids', () => {
    const out = execFileSync(process.execPath, [MAIN, 'inspect', model], { encoding: 'utf8' });
    const conv = out.split('\n').find((l) => l.startsWith('1 '))!;
    assert.match(conv, /conv\s+conv add relu pool_mean\s+\[4, 1, 1\]\s+/);
    // 2·4·5·5·3·3, then bias and relu over the 4·5·5 outputs, and the pool over its 4·5·5 inputs
    assert.ok(conv.includes((2 * 4 * 25 * 9 + 3 * 100).toLocaleString('en-US')), conv);
    assert.ok(conv.endsWith('11 12 121-138 151-168 231-239 261-269 311 321-338 341-349'), conv);
    assert.match(out, /^2\s+softmax\s+softmax\s+\[4\]\s+4\s+11 12$/m);
    assert.match(out, /2 layers, 2,104 FLOPs per sample/);
  });

  it('prints the same fields as JSON', () => {
    const json = JSON.parse(execFileSync(process.execPath, [MAIN, 'inspect', model, '--json'], { encoding: 'utf8' }));
    assert.deepEqual(json.inputShape, [2, 5, 5]);
    assert.equal(json.layers.length, 2);
    assert.deepEqual(json.layers[0].slots.map((s: { op: string }) => s.op), ['conv', 'add', 'relu', 'pool_mean']);
    assert.equal(json.totalFlops, 2104);
    assert.equal(json.endsWithSoftmax, true);
    assert.ok(json.mpxmBytes > 48);
  });

  it('names a missing model file and exits with status 2', () => {
    const r = spawnSync(process.execPath, [MAIN, 'inspect', path.join(dir, 'nope.onnx')], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /nope\.onnx does not exist/);
  });
});
