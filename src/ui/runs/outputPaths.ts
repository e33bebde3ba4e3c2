import * as path from 'node:path';

/** Where a tuning of `model` writes its configurations: beside the model, `<name>.configs.json`. */
export function tunedSetPath(model: string): string {
  return path.join(path.dirname(model), `${path.basename(model, path.extname(model))}.configs.json`);
}

/** Where a profiling of a set writes its measurements: beside it, `<name>.profiled.json` (har.configs.json → har.profiled.json). */
export function profiledSetPath(configs: string): string {
  const base = path.basename(configs).replace(/(\.(configs|profiled))?\.json$/i, '');
  return path.join(path.dirname(configs), `${base}.profiled.json`);
}

/** Where generated sources go by default: a folder beside the set, per language. */
export function generatedSourcesPath(configs: string, lang: string): string {
  const base = path.basename(configs).replace(/(\.(configs|profiled))?\.json$/i, '');
  return path.join(path.dirname(configs), `${base}-${lang}`);
}

/** Where an Android library module is written by default: beside the model, `<name>-android`. */
export function bundlePath(model: string): string {
  return path.join(path.dirname(model), `${path.basename(model, path.extname(model))}-android`);
}
