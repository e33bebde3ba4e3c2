/** Number formatting shared by the extension host and the webviews (no `vscode`, no DOM). */

const FLOP_UNITS = ['FLOPs', 'kFLOPs', 'MFLOPs', 'GFLOPs', 'TFLOPs'];

/** 1234567 → "1.23 MFLOPs": three significant digits, SI prefixes. */
export function formatFlops(flops: number): string {
  let value = flops;
  let unit = 0;
  while (Math.abs(value) >= 1000 && unit < FLOP_UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  const digits = unit === 0 || Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${FLOP_UNITS[unit]}`;
}

/** Per-sample shape [32, 1, 64] → "32×1×64"; a scalar → "scalar". */
export function formatShape(shape: readonly number[]): string {
  return shape.length === 0 ? 'scalar' : shape.join('×');
}

/** 2 → "×2.00". */
export function formatSpeedup(speedup: number): string {
  return `×${speedup.toFixed(2)}`;
}
