/**
 * Where the usage snippet (a class declaration, wrapper.ts) goes in a Kotlin or Java file: at the start of
 * the cursor's line when it is blank, else of the next one (never into the middle of a statement), and
 * never above or among the package and import lines, where no declaration may stand: after them instead.
 */
export function snippetLine(text: string, cursorLine: number): number {
  const lines = text.split('\n');
  const line = /^\s*$/.test(lines[cursorLine] ?? '') ? cursorLine : Math.min(cursorLine + 1, lines.length);
  let header = -1;
  lines.forEach((l, i) => {
    if (/^\s*(package|import)\s/.test(l)) header = i;
  });
  return line <= header ? header + 1 : line;
}
