/**
 * Checks of JSON values against the TypeScript types they are read as: a field that is missing or of another
 * type throws a FieldError naming the field's path and its value, which the reader words with its file or source.
 */

/** Checks `v`, found at `at`, and returns it as a T; throws a FieldError otherwise. */
export type Check<T> = (v: unknown, at: string) => T;

export class FieldError extends Error {
  constructor(readonly at: string, readonly value: unknown, readonly expected: string) {
    super(`${at} is ${JSON.stringify(value) ?? 'missing'}, not ${expected}`);
  }
}

export const is = <T>(test: (v: unknown) => boolean, expected: string): Check<T> => (v, at) => {
  if (!test(v)) throw new FieldError(at, v, expected);
  return v as T;
};

export const num = is<number>((v) => typeof v === 'number', 'a number');
export const int = is<number>((v) => Number.isInteger(v), 'an integer');
export const str = is<string>((v) => typeof v === 'string', 'a string');
export const bool = is<boolean>((v) => typeof v === 'boolean', 'true or false');
/** mpxrun prints null for a number that is not finite (json_number). */
export const numOrNull = is<number | null>((v) => v === null || typeof v === 'number', 'a number or null');
export const oneOf = <T extends string>(...values: T[]) => is<T>((v) => values.includes(v as T), values.map((s) => `"${s}"`).join(' or '));

export function arrayOf<T>(item: Check<T>): Check<T[]> {
  return (v, at) => {
    if (!Array.isArray(v)) throw new FieldError(at, v, 'an array');
    v.forEach((x, i) => item(x, `${at}[${i}]`));
    return v as T[];
  };
}

type Fields<T> = { [K in keyof T]-?: Check<T[K]> };

/** An object with the `required` fields and, where present, the `optional` ones. */
export function object<T>(required: Partial<Fields<T>>, optional: Partial<Fields<T>> = {}): Check<T> {
  return (v, at) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new FieldError(at, v, 'an object');
    const o = v as Record<string, unknown>;
    const field = (key: string) => (at ? `${at}.${key}` : key);
    for (const [key, check] of Object.entries(required)) (check as Check<unknown>)(o[key], field(key));
    for (const [key, check] of Object.entries(optional)) if (o[key] !== undefined) (check as Check<unknown>)(o[key], field(key));
    return v as T;
  };
}
