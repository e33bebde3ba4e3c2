/**
 * Fuzzes the .mpxm loader under AddressSanitizer/UBSan: the sanitizer build's fuzz driver mutates a real
 * compiled model (bit flips, truncations, field overwrites) and loads each mutant; every one must be
 * either accepted or rejected with a message, never read out of bounds or crash.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compileModel } from '../src/core/compile';
import { REPO_ROOT, SHARED } from './support/engine';
import { OnnxBuilder } from './support/onnxBuilder';
import { Random } from './support/random';
import { unavailable } from './support/requirements';

const BUILD_SCRIPT = path.join(REPO_ROOT, 'toolchain/build-sanitize.sh');
const DRIVER = path.join(REPO_ROOT, 'build/sanitize/fuzz_loader');
const ITERATIONS = 2000;

/** A small network with conv, bias, relu, pooling, dense and softmax, for when ../shared is absent. */
function generatedModel(): Uint8Array {
  const r = new Random(7);
  const b = new OnnxBuilder(13);
  const x = b.input('x', [null, 3, 8, 8]);
  const w = b.constant('w', [4, 3, 3, 3], r.normals(108, 0.3));
  const bias = b.constant('b', [4], r.normals(4, 0.1));
  const [conv] = b.node('Conv', [x, w, bias], { pads: [1, 1, 1, 1] }, 'conv');
  const [relu] = b.node('Relu', [conv], {}, 'relu');
  const [pool] = b.node('MaxPool', [relu], { kernel_shape: [2, 2], strides: [2, 2] }, 'pool');
  const [flat] = b.node('Flatten', [pool], {}, 'flatten');
  const fw = b.constant('fw', [5, 64], r.normals(320, 0.1));
  const fb = b.constant('fb', [5], r.normals(5, 0.1));
  const [dense] = b.node('Gemm', [flat, fw, fb], { transB: 1 }, 'dense');
  const [prob] = b.node('Softmax', [dense], { axis: 1 }, 'softmax');
  b.output(prob);
  return b.build();
}

describe('.mpxm loader fuzzing (sanitizer build)', function () {
  this.timeout(600_000);
  let dir: string;

  before(function () {
    if (!fs.existsSync(BUILD_SCRIPT)) unavailable(this, `${BUILD_SCRIPT} does not exist yet.`);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-fuzz-'));
  });

  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it(`survives ${ITERATIONS} mutants of a compiled model with 0 failures`, () => {
    const harCnn = path.join(SHARED, 'models/har-cnn.onnx');
    const onnx = fs.existsSync(harCnn) ? fs.readFileSync(harCnn) : generatedModel();
    const seed = path.join(dir, 'seed.mpxm');
    fs.writeFileSync(seed, compileModel(onnx, { name: 'seed' }).mpxm);

    const build = spawnSync('bash', [BUILD_SCRIPT], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(build.status, 0, `build-sanitize.sh failed:\n${build.stdout}\n${build.stderr}`);
    assert.ok(fs.existsSync(DRIVER), `${DRIVER} was not built`);

    const run = spawnSync(DRIVER, [seed, String(ITERATIONS)], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const output = `${run.stdout}\n${run.stderr}`;
    assert.equal(run.status, 0, `fuzz_loader exited with ${run.status ?? run.signal}:\n${output.slice(-4000)}`);
    assert.match(output, /\b0 failed\b/, `fuzz_loader did not report 0 failed:\n${output.slice(-4000)}`);
  });
});
