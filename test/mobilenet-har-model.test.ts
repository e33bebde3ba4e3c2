/**
 * MobileNetV2-HAR, the Mobiprox paper's HAR network (media/models/mobilenetv2-har.onnx, trained by
 * toolchain/train/train_mobilenet_har.py). On the UCI-HAR test subjects' signal images built by the product
 * (src/core/data/signalImage.ts), our runtime's probabilities match onnxruntime's within 1e-4, and its
 * accuracy is the training script's (≥ 90 %).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compileModel } from '../src/core/compile';
import { readNpy, writeNpy } from '../src/core/data/npy';
import { runModel } from '../src/core/runtime/mpxrun';
import { signalImages } from '../src/core/data/signalImage';
import { REPO_ROOT, SHARED, requireRuntime, requireShared } from './support/engine';
import { runReference } from './support/reference';

const MODEL = path.join(REPO_ROOT, 'media/models/mobilenetv2-har.onnx');
const META = path.join(REPO_ROOT, 'media/models/mobilenetv2-har.json');

describe('MobileNetV2-HAR (media/models/mobilenetv2-har.onnx)', function () {
  this.timeout(600_000);
  let dir: string;
  before(function () {
    requireRuntime(this);
    requireShared(this, 'datasets/uci-har/test_x.npy');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpx-mobilenet-har-'));
  });
  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  it('matches onnxruntime within 1e-4 and the training script\'s accuracy on the test subjects', async () => {
    const x = signalImages(readNpy(path.join(SHARED, 'datasets/uci-har/test_x.npy')));
    const y = readNpy(path.join(SHARED, 'datasets/uci-har/test_y.npy'));
    writeNpy(path.join(dir, 'x.npy'), x);
    writeNpy(path.join(dir, 'y.npy'), { dtype: 'int32', shape: y.shape, data: Int32Array.from(y.data as ArrayLike<number>) });
    const outputs = path.join(dir, 'out.npy');
    // the runtime's outputs, untimed (mobiprox run would also measure the latency)
    const mpxm = path.join(dir, 'model.mpxm');
    fs.writeFileSync(mpxm, compileModel(MODEL).mpxm);
    const r = await runModel(mpxm, path.join(dir, 'x.npy'), { labels: path.join(dir, 'y.npy'), batch: 64, threads: 2, saveOutputs: outputs });
    const ours = readNpy(outputs).data as Float32Array;
    const [ref] = await runReference(fs.readFileSync(MODEL), x.data, x.shape);
    assert.equal(ours.length, ref.data.length);
    let maxDiff = 0;
    for (let i = 0; i < ours.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ours[i] - ref.data[i]));
    console.log(`      ${x.shape[0]} test images: accuracy ${r.accuracy} %, max |ours − onnxruntime| ${maxDiff.toExponential(2)}`);
    assert.ok(maxDiff <= 1e-4, `max abs difference to onnxruntime ${maxDiff}`);
    const meta = JSON.parse(fs.readFileSync(META, 'utf8'));
    assert.ok(r.accuracy! >= 90, `test accuracy ${r.accuracy} % < 90 %`);
    assert.ok(Math.abs(r.accuracy! - 100 * meta.accuracy.test) < 0.1, `runtime ${r.accuracy} % vs training ${100 * meta.accuracy.test} %`);
  });
});
