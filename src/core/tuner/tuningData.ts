/**
 * The data a tuning runs on: the model compiled once, the input preprocessed once over the tuning and test
 * rows together (so that a set's own statistics, --standardize, do not differ between the two), then split
 * into a tuning set (the first rows) and a held-out test set (the next rows), as .npy files the runtime
 * reads; with a shuffle seed, "first" and "next" are taken in a seeded random order of the rows instead. The hashes key the on-disk caches: the model file, and the tuning set after preprocessing.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CompiledModel, compileModel } from '../compile';
import { readModelFile } from '../onnx/load';
import { NdArray } from '../data/ndarray';
import { encodeNpy, readNpy } from '../data/npy';
import { Preprocessing, checkModelInput, preprocess } from '../data/preprocess';
import { gatherRows, seededPermutation } from '../data/rowOrder';
import { MobiproxError } from '../errors';
import { modelBytesSha256 } from '../knobs/modelIdentity';
import { checkLabels } from '../runtime/prepare';

export interface SampleSet {
  inputPath: string;
  labelsPath: string;
  labels: Int32Array;
  samples: number;
  /** sha256 of the preprocessed inputs and the labels. */
  sha256: string;
}

export interface TuningData {
  model: CompiledModel;
  modelSha256: string;
  mpxmPath: string;
  tune: SampleSet;
  /** Absent when the input has no rows beyond the tuning set. */
  test?: SampleSet;
  /** The tuning set's sha256. */
  dataSha256: string;
  workDir: string;
  dispose(): void;
}

export interface TuningDataSource {
  model: string;
  input: string;
  labels: string;
  preprocessing?: Preprocessing;
  tuneSize?: number;
  testSize?: number;
  /** Take the rows in the seeded random order of this seed instead of file order. */
  shuffleSeed?: number;
  /** Told when --tune-size leaves no rows for a test set. */
  onWarning?: (message: string) => void;
}

export function prepareTuningData(src: TuningDataSource): TuningData {
  const modelBytes = readModelFile(src.model);
  const model = compileModel(modelBytes, { name: path.basename(src.model, path.extname(src.model)) });
  const raw = readNpy(src.input);
  const rows = raw.shape[0] ?? 0;
  const order = src.shuffleSeed === undefined ? undefined : seededPermutation(rows, src.shuffleSeed);
  if (rows < 1) throw new MobiproxError(`${src.input} holds no samples to tune on.`, { file: src.input });
  if (src.tuneSize !== undefined && src.tuneSize > rows) {
    throw new MobiproxError(`--tune-size ${src.tuneSize} exceeds the ${rows} samples of ${src.input}.`, { file: src.input, value: src.tuneSize });
  }
  const tuneSize = src.tuneSize ?? rows;
  if (src.testSize !== undefined && src.testSize > rows - tuneSize) {
    throw new MobiproxError(
      `--test-size ${src.testSize} exceeds the ${rows - tuneSize} samples of ${src.input} left after the ${tuneSize} tuning samples.`,
      { file: src.input, value: src.testSize },
    );
  }
  const testSize = src.testSize ?? rows - tuneSize;
  if (testSize === 0 && src.tuneSize !== undefined) {
    src.onWarning?.(`the ${tuneSize} tuning samples are all ${rows} of ${src.input}: nothing is left for a test set, ` +
      'so the configurations get no held-out accuracy (give a smaller --tune-size).');
  }
  const used = tuneSize + testSize;
  const pick = <A extends NdArray>(a: A): A => (order ? gatherRows(a, order.subarray(0, used)) : takeRows(a, 0, used));
  const x = preprocess(pick(raw), src.preprocessing ?? {}, src.input, model);
  checkModelInput(x, model.inputShape, src.input, model.inputLayout);
  const classes = model.outputShapes[0].reduce((a, b) => a * b, 1);
  // Shuffled labels are checked in file order first, so that an error names the file's sample index.
  const labels = readNpy(src.labels);
  const y = order ? pick(checkLabels(labels, rows, classes, src.labels)) : checkLabels(labels, used, classes, src.labels);

  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-tune-'));
  const dispose = () => fs.rmSync(workDir, { recursive: true, force: true });
  try {
    const mpxmPath = path.join(workDir, `${model.name}.mpxm`);
    fs.writeFileSync(mpxmPath, model.mpxm);
    const write = (name: string, from: number, count: number): SampleSet => {
      const inputBytes = encodeNpy(takeRows(x, from, count));
      const labels = y.data.slice(from, from + count);
      const labelBytes = encodeNpy({ dtype: 'int32', shape: [count], data: labels });
      const inputPath = path.join(workDir, `${name}-x.npy`);
      const labelsPath = path.join(workDir, `${name}-y.npy`);
      fs.writeFileSync(inputPath, inputBytes);
      fs.writeFileSync(labelsPath, labelBytes);
      const hash = createHash('sha256').update(inputBytes).update(labelBytes).digest('hex');
      return { inputPath, labelsPath, labels, samples: count, sha256: hash };
    };
    const tune = write('tune', 0, tuneSize);
    const test = testSize > 0 ? write('test', tuneSize, testSize) : undefined;
    return {
      model, modelSha256: modelBytesSha256(modelBytes), mpxmPath, tune, test, dataSha256: tune.sha256, workDir, dispose,
    };
  } catch (e) {
    dispose();
    throw e;
  }
}

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

function takeRows<A extends NdArray>(a: A, from: number, count: number): A {
  const per = a.data.length / Math.max(a.shape[0], 1);
  return { dtype: a.dtype, shape: [count, ...a.shape.slice(1)], data: a.data.subarray(from * per, (from + count) * per) } as A;
}
