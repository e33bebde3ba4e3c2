/**
 * A model's input contract: the files that feed it and how they are preprocessed, saved beside the model as
 * `<model>.mobiprox.json` so that every command (the CLI's `--data-config`, the extension's Tune Model) reads
 * the same data the same way. The file holds paths relative to itself, so a project folder can move.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MobiproxError } from '../errors';
import { writeFileAtomic } from '../fsutil';
import { NdArray } from './ndarray';
import { Preprocessing } from './preprocess';

export interface DataConfig {
  /** Input samples [N, …] (absolute once read). */
  input: string;
  /** One class index per sample (absolute once read). */
  labels: string;
  preprocessing: Preprocessing;
}

const DATA_CONFIG_SUFFIX = '.mobiprox.json';

/** `har.onnx` → `har.mobiprox.json` beside it. */
export function dataConfigPath(model: string): string {
  return path.join(path.dirname(model), path.basename(model, path.extname(model)) + DATA_CONFIG_SUFFIX);
}

export function readDataConfig(file: string): DataConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new MobiproxError(`Cannot read the data configuration ${file}: ${(e as Error).message}`, { file });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new MobiproxError(`${file} is not JSON: ${(e as Error).message}`, { file });
  }
  const fail = (what: string, value?: unknown): never => {
    throw new MobiproxError(`${file}: ${what}.`, { file, value });
  };
  if (!isObject(json)) return fail('expected an object with "input", "labels" and "preprocessing"');
  const dir = path.dirname(path.resolve(file));
  const filePath = (key: 'input' | 'labels'): string => {
    const v = json[key];
    if (typeof v !== 'string' || !v) return fail(`"${key}" must be the path of a .npy file, relative to this file`, v);
    return path.resolve(dir, v);
  };
  const p = json.preprocessing ?? {};
  if (!isObject(p)) return fail('"preprocessing" must be an object', p);
  const known = new Set(['nhwc', 'scale', 'mean', 'std', 'standardize']);
  const unknown = Object.keys(p).find((k) => !known.has(k));
  if (unknown) fail(`"preprocessing" has "${unknown}"; it takes ${[...known].join(', ')}`, unknown);
  const flag = (k: 'nhwc' | 'standardize') => {
    if (p[k] !== undefined && typeof p[k] !== 'boolean') fail(`"preprocessing.${k}" must be true or false`, p[k]);
    return p[k] as boolean | undefined;
  };
  const numbers = (k: 'mean' | 'std') => {
    const v = p[k];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.length === 0 || v.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
      fail(`"preprocessing.${k}" must be a list of numbers, one per channel (or one for all)`, v);
    }
    if (k === 'std' && (v as number[]).some((x) => x === 0)) fail('"preprocessing.std" must not hold 0', v);
    return v as number[];
  };
  if (p.scale !== undefined && (typeof p.scale !== 'number' || !Number.isFinite(p.scale))) fail('"preprocessing.scale" must be a number', p.scale);
  const preprocessing: Preprocessing = {
    nhwc: flag('nhwc'), scale: p.scale as number | undefined, mean: numbers('mean'), std: numbers('std'), standardize: flag('standardize'),
  };
  return { input: filePath('input'), labels: filePath('labels'), preprocessing: withoutUndefined(preprocessing) };
}

export function writeDataConfig(file: string, c: DataConfig): void {
  const dir = path.dirname(path.resolve(file));
  const relative = (p: string) => path.relative(dir, path.resolve(p)).split(path.sep).join('/');
  const json = { input: relative(c.input), labels: relative(c.labels), preprocessing: withoutUndefined(c.preprocessing) };
  writeFileAtomic(file, JSON.stringify(json, null, 2) + '\n');
}

/** A first data configuration read from the data itself, with the reason for each choice. */
export interface DataProposal {
  config: DataConfig;
  reasons: string[];
}

/**
 * What the data says of its own preprocessing: 8-bit values are pixels (scaled by 1/255), and samples whose
 * last axis is the model's channel axis are channels-last (moved first). Mean and std are the training's
 * and cannot be read from the data: the proposal leaves them out and says so.
 */
export function proposeDataConfig(
  model: { inputShape: number[]; inputLayout: { channelsLast: boolean } }, x: NdArray, input: string, labels: string,
): DataProposal {
  const reasons: string[] = [];
  const preprocessing: Preprocessing = {};
  if (x.dtype === 'uint8') {
    preprocessing.scale = 1 / 255;
    reasons.push('the input holds 8-bit values: scaled by 1/255 to [0, 1]');
  }
  const sample = x.shape.slice(1);
  const want = model.inputShape;
  const same = (a: number[], b: number[]) => a.length === b.length && a.every((v, i) => v <= 0 || b[i] <= 0 || v === b[i]);
  if (!model.inputLayout.channelsLast && sample.length >= 3 && !same(sample, want)) {
    const moved = [sample[sample.length - 1], ...sample.slice(0, -1)];
    if (same(moved, want)) {
      preprocessing.nhwc = true;
      reasons.push(`samples are [${sample.join(', ')}], channels last, and the model takes [${want.join(', ')}]: channels moved first`);
    }
  }
  reasons.push('no mean or std: add the ones the model was trained with, if any');
  return { config: { input, labels, preprocessing }, reasons };
}

/** The preprocessing in words, for messages: "scale 1/255, channels-last → first". */
export function describePreprocessing(p: Preprocessing): string {
  const parts: string[] = [];
  if (p.nhwc) parts.push('channels-last → first');
  if (p.scale !== undefined && p.scale !== 1) parts.push(`scale ${Math.abs(p.scale * 255 - 1) < 1e-9 ? '1/255' : p.scale}`);
  if (p.mean) parts.push(`mean ${p.mean.join(', ')}`);
  if (p.std) parts.push(`std ${p.std.join(', ')}`);
  if (p.standardize) parts.push("standardized by the set's own statistics");
  return parts.length ? parts.join(', ') : 'none';
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
