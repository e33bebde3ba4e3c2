/**
 * Runs an ONNX graph through the whole Mobiprox path — compileModel, the .mpxm file, the native mpxrun
 * binary — and reads its outputs back, so that tests can compare them with a reference.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CompiledModel, compileModel } from '../../src/core/compile';
import { readNpy, writeNpy } from '../../src/core/data/npy';
import { RunOptions, RunRecord, locateMpxrun, runModel } from '../../src/core/runtime/mpxrun';
import { unavailable } from './requirements';

/** The repository root (tests run from out/test/…). */
export const REPO_ROOT = path.resolve(__dirname, '../../..');
/** Shared models and data sets, next to the checkout. */
export const SHARED = path.resolve(REPO_ROOT, '../shared');

/**
 * Skips the calling test (or suite, from a `before` hook) when the host runtime has not been built —
 * except in CI, where a missing runtime is a failure, not a reason to skip.
 */
export function requireRuntime(ctx: Mocha.Context): void {
  try {
    locateMpxrun();
  } catch (e) {
    unavailable(ctx, (e as Error).message);
  }
}

/** Skips (fails under CI) when ../shared or one of its files is absent (it holds the real models and data sets). */
export function requireShared(ctx: Mocha.Context, ...files: string[]): void {
  const missing = [SHARED, ...files.map((f) => path.join(SHARED, f))].find((f) => !fs.existsSync(f));
  if (missing) unavailable(ctx, `${missing} is absent (the shared models and data sets sit next to the checkout).`);
}

export interface EngineRun {
  /** The model outputs in sample order, flattened. */
  outputs: Float32Array;
  /** The shape of the saved outputs array. */
  shape: number[];
  record: RunRecord;
}

export interface EngineRunOptions extends Omit<RunOptions, 'configs' | 'saveOutputs'> {
  /** An ApproxTuner/HPVM configuration text, written to a file and passed with --configs. */
  configText?: string;
}

/** One compiled model in a private temporary folder; `dispose` removes the folder. */
export class EngineCase {
  private runs = 0;

  private constructor(
    readonly model: CompiledModel,
    readonly dir: string,
    readonly mpxmPath: string,
  ) {}

  static compile(onnx: Uint8Array, name = 'case'): EngineCase {
    const model = compileModel(onnx, { name });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-test-'));
    const mpxmPath = path.join(dir, `${name}.mpxm`);
    fs.writeFileSync(mpxmPath, model.mpxm);
    return new EngineCase(model, dir, mpxmPath);
  }

  /** Writes a float32 batch as .npy and returns its path. */
  writeInput(data: Float32Array, dims: number[], name = 'input.npy'): string {
    const file = path.join(this.dir, name);
    writeNpy(file, { dtype: 'float32', shape: dims, data });
    return file;
  }

  async run(input: string, o: EngineRunOptions = {}): Promise<EngineRun> {
    const n = this.runs++;
    const saveOutputs = path.join(this.dir, `out-${n}.npy`);
    let configs: string | undefined;
    if (o.configText !== undefined) {
      configs = path.join(this.dir, `configs-${n}.txt`);
      fs.writeFileSync(configs, o.configText);
    }
    const { configText: _, ...rest } = o;
    const record = await runModel(this.mpxmPath, input, { ...rest, configs, saveOutputs });
    const saved = readNpy(saveOutputs);
    if (!(saved.data instanceof Float32Array)) throw new Error(`${saveOutputs} holds ${saved.dtype}, not float32`);
    return { outputs: saved.data, shape: saved.shape, record };
  }

  dispose(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Compiles, runs once and cleans up. */
export async function runEngine(
  onnx: Uint8Array, input: Float32Array, dims: number[], o: EngineRunOptions = {},
): Promise<EngineRun & { model: CompiledModel }> {
  const c = EngineCase.compile(onnx);
  try {
    const result = await c.run(c.writeInput(input, dims), o);
    return { ...result, model: c.model };
  } finally {
    c.dispose();
  }
}
