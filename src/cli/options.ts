/** Option parsers and the preprocessing options shared by the commands that read a data set. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { MobiproxError } from '../core/errors';
import { isFolder } from '../core/fsutil';
import { Preprocessing } from '../core/data/preprocess';
import { Lang } from '../core/codegen/literals';

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`'${value}' is not a positive whole number.`);
  return n;
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`'${value}' is not a whole number ≥ 0.`);
  return n;
}

/** Runtime threads: beyond a few per core they only cost memory and time, so refuse absurd counts. */
export const MAX_THREADS = 256;

export function threadCount(value: string): number {
  const n = positiveInt(value);
  if (n > MAX_THREADS) throw new InvalidArgumentError(`${n} threads is more than the ${MAX_THREADS} the runtime allows.`);
  return n;
}

export function finiteNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`'${value}' is not a number.`);
  return n;
}

export function numberList(value: string): number[] {
  const parts = value.split(',').map((s) => Number(s.trim()));
  if (parts.length === 0 || parts.some((n) => !Number.isFinite(n))) {
    throw new InvalidArgumentError(`'${value}' is not a comma-separated list of numbers, e.g. 0.485,0.456,0.406.`);
  }
  return parts;
}

/** `--lang`: the language of generated sources. */
export function language(value: string): Lang {
  if (value !== 'kotlin' && value !== 'java') throw new InvalidArgumentError(`'${value}' is not a language: use kotlin or java.`);
  return value;
}

export function addPreprocessingOptions(cmd: Command): Command {
  return cmd
    .option('--scale <s>', 'multiply every input value by s (first, after --nhwc)', finiteNumber)
    .option('--mean <a,b,c>', 'subtract a per-channel mean (after --scale)', numberList)
    .option('--std <a,b,c>', 'divide by a per-channel standard deviation (after --mean)', numberList)
    .option('--standardize', "normalize each channel by the set's own mean and standard deviation")
    .option('--nhwc', "the input is channels-last: convert it to the model's channels-first layout");
}

export function preprocessingFrom(o: { scale?: number; mean?: number[]; std?: number[]; standardize?: boolean; nhwc?: boolean }): Preprocessing {
  return { scale: o.scale, mean: o.mean, std: o.std, standardize: o.standardize, nhwc: o.nhwc };
}

/** Fails before any work is done when an output file's folder does not exist or is not writable. */
export function checkWritableFolder(file: string, option: string): void {
  if (isFolder(file)) throw new MobiproxError(`${option} ${file} is a folder; give the file to write in it.`, { file });
  const folder = path.dirname(path.resolve(file));
  try {
    fs.accessSync(folder, fs.constants.W_OK);
  } catch {
    throw new MobiproxError(`${option} ${file}: the folder ${folder} does not exist or is not writable.`, { file });
  }
}

/** Before any work: an output folder (created if missing) must not be a file. */
export function checkOutputFolder(dir: string, option: string): void {
  if (fs.existsSync(dir) && !isFolder(dir)) throw new MobiproxError(`${option} ${dir} is a file; give a folder to write into.`, { file: dir });
}
