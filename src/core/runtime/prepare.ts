/**
 * Turns what a user points at (an ONNX model, a .npy input set, optional labels and preprocessing) into
 * what the native runtime reads: a compiled .mpxm and float32/int32 .npy files in a private work folder.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CompiledModel, compileModel } from '../compile';
import { MobiproxError } from '../errors';
import { NdArray, toNumbers } from '../data/ndarray';
import { readNpy, writeNpy } from '../data/npy';
import { Preprocessing, checkModelInput, preprocess } from '../data/preprocess';

export interface PreparedData {
  model: CompiledModel;
  mpxmPath: string;
  inputPath: string;
  labelsPath?: string;
  samples: number;
  workDir: string;
  /** Removes the work folder. */
  dispose(): void;
}

export interface DataSource {
  model: string;
  input: string;
  labels?: string;
  limit?: number;
  preprocessing?: Preprocessing;
}

export function prepareData(src: DataSource): PreparedData {
  const model = compileModel(src.model, { name: path.basename(src.model, path.extname(src.model)) });
  const x = preprocess(limitRows(readNpy(src.input), src.limit), src.preprocessing ?? {}, src.input, model);
  checkModelInput(x, model.inputShape, src.input, model.inputLayout);
  const samples = x.shape[0];
  if (samples === 0) throw new MobiproxError(`${src.input} holds no samples.`, { file: src.input });

  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-'));
  const dispose = () => fs.rmSync(workDir, { recursive: true, force: true });
  try {
    const mpxmPath = path.join(workDir, `${model.name}.mpxm`);
    fs.writeFileSync(mpxmPath, model.mpxm);
    const inputPath = path.join(workDir, 'input.npy');
    writeNpy(inputPath, x);
    let labelsPath: string | undefined;
    if (src.labels) {
      const classes = model.outputShapes[0].reduce((a, b) => a * b, 1);
      const y = checkLabels(readNpy(src.labels), samples, classes, src.labels);
      labelsPath = path.join(workDir, 'labels.npy');
      writeNpy(labelsPath, y);
    }
    return { model, mpxmPath, inputPath, labelsPath, samples, workDir, dispose };
  } catch (e) {
    dispose();
    throw e;
  }
}

function limitRows(a: NdArray, limit?: number): NdArray {
  if (limit === undefined || limit >= a.shape[0]) return a;
  const per = a.data.length / Math.max(a.shape[0], 1);
  return { dtype: a.dtype, shape: [limit, ...a.shape.slice(1)], data: a.data.subarray(0, limit * per) } as NdArray;
}

/** Labels are integer class indices, one per sample, each below the model's number of outputs. */
export function checkLabels(y: NdArray, samples: number, classes: number, file: string): NdArray<Int32Array> {
  if (y.dtype === 'float32' || y.dtype === 'float64') {
    throw new MobiproxError(`${file} holds ${y.dtype} values; labels must be integer class indices (int32/int64/uint8).`, { file });
  }
  if (y.shape.length !== 1) {
    throw new MobiproxError(`${file} has shape (${y.shape.join(', ')}); labels must be one class index per sample, shape [N].`, { file });
  }
  if (y.shape[0] < samples) {
    throw new MobiproxError(`${file} has ${y.shape[0]} labels for ${samples} samples.`, { file });
  }
  const values = toNumbers(y).subarray(0, samples);
  const bad = values.findIndex((v) => v < 0 || v >= classes || !Number.isInteger(v));
  if (bad >= 0) {
    throw new MobiproxError(
      `${file} has label ${values[bad]} at sample ${bad}, outside the model's ${classes} classes (0..${classes - 1}).`,
      { file, value: values[bad] },
    );
  }
  return { dtype: 'int32', shape: [samples], data: Int32Array.from(values) };
}
