/**
 * An error the user can act on: it names the file, the graph node or the value at fault, and its message is
 * a sentence that says what to do. Everything in src/core throws this for bad input; anything else is a bug.
 */
export class MobiproxError extends Error {
  constructor(
    message: string,
    readonly context: { file?: string; node?: string; value?: unknown } = {},
  ) {
    super(message);
    this.name = 'MobiproxError';
  }
}
