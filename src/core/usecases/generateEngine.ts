/**
 * Generate Adaptation Code / `mobiprox generate`: the engine, wrapper, JNI binding and usage snippet of a
 * profiled set, written by package under a source root (codegen/generate.ts).
 */
import * as path from 'node:path';
import { AdaptableSet } from '../adapt/profiledSet';
import { StrategySpec, describeStrategy } from '../adapt/strategies';
import { generateSources, writeSources } from '../codegen/generate';
import { Lang } from '../codegen/literals';
import { readConfigurations } from '../knobs/configurationSet';

export interface GenerateRequest {
  /** The profiled (and preferably calibrated) set: Mobiprox JSON or HPVM text. */
  configs: string;
  strategy: StrategySpec;
  lang: Lang;
  package: string;
  /** The source root. */
  out: string;
  /** The model ends in Softmax; by default, what the set records of its last layer. */
  probabilities?: boolean;
}

/** The files written. */
export function generateEngine(r: GenerateRequest): string[] {
  const set = readConfigurations(r.configs) as AdaptableSet;
  const probabilities = r.probabilities ?? set.model.layers.at(-1)?.includes('softmax') ?? false;
  const files = generateSources(set, r.strategy, {
    lang: r.lang, package: r.package, source: path.basename(r.configs), strategyText: describeStrategy(r.strategy), probabilities,
  });
  return writeSources(r.out, files);
}
