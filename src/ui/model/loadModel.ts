import { CompiledModel, compileModel } from '../../core/compile';
import { MobiproxError } from '../../core/errors';
import { ImportFailure } from '../protocol/modelOverview';

/** A model the user opened: compiled, or the reason it could not be. */
export type LoadedModel =
  | { file: string; model: CompiledModel }
  | { file: string; failure: ImportFailure; cause: unknown };

/**
 * Compiles an .onnx file (its path, or its bytes when it is not on the local disk) for display. Never throws:
 * importer errors already say what is wrong and where; anything else is a bug, reported as one.
 */
export function loadModel(source: string | Uint8Array, file: string): LoadedModel {
  try {
    const name = typeof source === 'string' ? undefined : file.replace(/^.*[\\/]/, '').replace(/\.onnx$/i, '');
    return { file, model: compileModel(source, { name }) };
  } catch (cause) {
    const failure: ImportFailure =
      cause instanceof MobiproxError
        ? { file, message: cause.message, ...(cause.context.node ? { node: cause.context.node } : {}) }
        : {
            file,
            message:
              `Mobiprox failed unexpectedly while importing ${file} (${String((cause as Error)?.message ?? cause)}). ` +
              'This is a bug: please report it with the model; the stack trace is in the Mobiprox output.',
          };
    return { file, failure, cause };
  }
}
