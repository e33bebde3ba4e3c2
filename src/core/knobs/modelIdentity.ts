/**
 * What a configuration set records of its model: a set applies to exactly one model, the ONNX file whose
 * sha256 it holds (src/core/DESIGN.md §4), so that no tool applies configurations to a model they were not made for.
 */
import { createHash } from 'node:crypto';
import { MobiproxError } from '../errors';
import { readModelFile } from '../onnx/load';
import { ConfigurationSet } from './configurationSet';

/** sha256 of the ONNX file, hex. */
export function modelSha256(onnxPath: string): string {
  return modelBytesSha256(readModelFile(onnxPath));
}

/** sha256 of the ONNX file's bytes, for a caller that has read them already. */
export function modelBytesSha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Refuses the set in `file` when it records another model than `onnxPath` (a set from HPVM text records none). */
export function checkSetOfModel(set: ConfigurationSet, file: string, onnxPath: string): void {
  if (set.model.sha256 && set.model.sha256 !== modelSha256(onnxPath)) {
    throw new MobiproxError(`${file} holds configurations of another model than ${onnxPath} (sha256 differs): give this model's configurations.`, { file });
  }
}

/** The set's record of the model compiled from `onnxPath`. */
export function setModelOf(onnxPath: string, model: { name: string; inputShape: number[]; layers: { slots: { op: string }[] }[] }): ConfigurationSet['model'] {
  return {
    name: model.name,
    sha256: modelSha256(onnxPath),
    inputShape: model.inputShape,
    layers: model.layers.map((l) => l.slots.map((s) => s.op)),
  };
}
