/** Source literals shared by the Java and Kotlin generators. */
import { MobiproxError } from '../errors';

export type Lang = 'java' | 'kotlin';

/**
 * A double as a literal that reads back as the same double: 17 significant digits always suffice
 * (IEEE 754), and infinities become the language's constants.
 */
export function doubleLiteral(v: number): string {
  if (v === Infinity) return 'Double.POSITIVE_INFINITY';
  if (v === -Infinity) return 'Double.NEGATIVE_INFINITY';
  if (Number.isNaN(v)) return 'Double.NaN';
  return v.toPrecision(17);
}

/** A string literal; Kotlin also needs `$` escaped, since it starts a template. */
export function stringLiteral(s: string, lang: Lang): string {
  const json = JSON.stringify(s).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
  return lang === 'kotlin' ? json.replace(/\$/g, '\\$') : json;
}

export function doubleArray(values: readonly number[], lang: Lang): string {
  const items = values.map(doubleLiteral).join(', ');
  return lang === 'java' ? `{${items}}` : `doubleArrayOf(${items})`;
}

export function doubleMatrix(rows: readonly (readonly number[])[], lang: Lang, indent: string): string {
  const inner = rows.map((r) => `${indent}    ${doubleArray(r, lang)}`).join(',\n');
  return lang === 'java' ? `{\n${inner}\n${indent}}` : `arrayOf(\n${inner}\n${indent})`;
}

const JAVA_KEYWORDS = new Set(('abstract assert boolean break byte case catch char class const continue default do double else enum ' +
  'extends final finally float for goto if implements import instanceof int interface long native new package private protected ' +
  'public return short static strictfp super switch synchronized this throw throws transient try void volatile while true false null ' +
  'as fun in is object typealias typeof val var when').split(' '));

/** A Java/Kotlin package name: dot-separated identifiers, none a keyword of either language. */
export function checkPackage(name: string): string {
  const parts = name.split('.');
  const bad = parts.find((p) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(p) || JAVA_KEYWORDS.has(p));
  if (bad !== undefined) {
    throw new MobiproxError(`'${name}' is not a package name usable from Java and Kotlin ('${bad}'), e.g. com.example.har.`, { value: name });
  }
  return name;
}
