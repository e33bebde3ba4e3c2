/**
 * What a configuration set records of its model: a set applies to exactly one model, the ONNX file whose
 * sha256 it holds (src/core/DESIGN.md §4), so that no tool applies configurations to a model they were not made for.
 */
import { createHash } from 'node:crypto';
import { readModelFile } from '../onnx/load';
import { ConfigurationSet } from './configurationSet';

/** sha256 of the ONNX file, hex. */
export function modelSha256(onnxPath: string): string {
  return createHash('sha256').update(readModelFile(onnxPath)).digest('hex');
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
