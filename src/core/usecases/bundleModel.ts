/**
 * Build Android Bundle / `mobiprox bundle`: a profiled set of a model, and the model compiled, written as an
 * Android library module (codegen/bundle.ts).
 */
import * as path from 'node:path';
import { AdaptableSet } from '../adapt/profiledSet';
import { StrategySpec, describeStrategy } from '../adapt/strategies';
import { BundleOptions, BundleResult, writeBundle } from '../codegen/bundle';
import { compileModel } from '../compile';
import { selectConfigurations } from '../knobs/selectConfigurations';
import { readSetOfModel } from './setOfModel';

export interface BundleRequest extends Omit<BundleOptions, 'strategyText' | 'source'> {
  model: string;
  /** The profiled (and preferably calibrated) set: Mobiprox JSON or HPVM text. */
  configs: string;
  /** Only these configurations (and the exact one); default all. */
  names?: readonly string[];
  strategy: StrategySpec;
  out: string;
}

export function bundleModel(r: BundleRequest): Promise<BundleResult> {
  const { model: modelPath, configs, names, strategy, out, ...options } = r;
  const compiled = compileModel(modelPath, { name: path.basename(modelPath, path.extname(modelPath)) });
  const set = selectConfigurations(readSetOfModel(configs, modelPath, compiled.layers), names) as AdaptableSet;
  return writeBundle(compiled, set, strategy, out, { ...options, strategyText: describeStrategy(strategy), source: path.basename(configs) });
}
