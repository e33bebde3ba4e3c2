import { MobiproxError } from '../errors';
import { Node, attrInt, attrInts, attrString } from './graph';

/**
 * Geometry of sliding windows (Conv, MaxPool, AveragePool): auto_pad and ceil_mode resolved into explicit
 * begin/end padding, so that every later stage sees the plain floor formula of FORMAT.md.
 */
export interface Window {
  kernel: number[];
  strides: number[];
  dilations: number[];
  padBegin: number[];
  /** End padding, including what ceil_mode adds. */
  padEnd: number[];
  /** The part of padEnd that only ceil_mode added (never counted by an average). */
  ceilPadding: number[];
  output: number[];
}

export function resolveWindow(node: Node, spatial: readonly number[], kernel: readonly number[]): Window {
  const n = spatial.length;
  const strides = attrInts(node, 'strides', new Array(n).fill(1));
  const dilations = attrInts(node, 'dilations', new Array(n).fill(1));
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  const ceil = attrInt(node, 'ceil_mode', 0) === 1;
  if (kernel.length !== n || strides.length !== n || dilations.length !== n) {
    throw new MobiproxError(
      `Node '${node.name}' (${node.op}) has kernel, strides or dilations of a rank other than its ${n} spatial axes.`,
      { node: node.name },
    );
  }
  if ([...kernel, ...strides, ...dilations].some((v) => !Number.isInteger(v) || v < 1)) {
    throw new MobiproxError(`Node '${node.name}' (${node.op}) has a kernel, stride or dilation below 1.`, { node: node.name });
  }
  let padBegin: number[];
  let padEnd: number[];
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const total = spatial.map((size, i) =>
      Math.max(0, (Math.ceil(size / strides[i]) - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - size),
    );
    const small = total.map((t) => Math.floor(t / 2));
    padBegin = autoPad === 'SAME_UPPER' ? small : total.map((t, i) => t - small[i]);
    padEnd = total.map((t, i) => t - padBegin[i]);
  } else if (autoPad === 'VALID') {
    padBegin = new Array(n).fill(0);
    padEnd = new Array(n).fill(0);
  } else if (autoPad === 'NOTSET') {
    const pads = attrInts(node, 'pads', new Array(2 * n).fill(0));
    if (pads.length !== 2 * n || pads.some((p) => p < 0)) {
      throw new MobiproxError(`Node '${node.name}' (${node.op}) has invalid pads [${pads}].`, { node: node.name, value: pads });
    }
    padBegin = pads.slice(0, n);
    padEnd = pads.slice(n);
  } else {
    throw new MobiproxError(`Node '${node.name}' (${node.op}) has an unknown auto_pad '${autoPad}'.`, {
      node: node.name,
      value: autoPad,
    });
  }
  const ceilPadding = new Array<number>(n).fill(0);
  const output = spatial.map((size, i) => {
    const span = size + padBegin[i] + padEnd[i] - (kernel[i] - 1) * dilations[i] - 1;
    if (span < 0) {
      throw new MobiproxError(
        `Node '${node.name}' (${node.op}) has a window larger than its padded input (axis ${i + 2}: size ${size}).`,
        { node: node.name },
      );
    }
    if (!ceil) return Math.floor(span / strides[i]) + 1;
    let out = Math.ceil(span / strides[i]) + 1;
    // As ONNX and PyTorch specify: a last window that would start inside the end padding is dropped.
    if ((out - 1) * strides[i] >= size + padBegin[i]) out--;
    ceilPadding[i] = Math.max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - (size + padBegin[i] + padEnd[i]));
    return out;
  });
  return {
    kernel: [...kernel],
    strides,
    dilations,
    padBegin,
    padEnd: padEnd.map((p, i) => p + ceilPadding[i]),
    ceilPadding,
    output,
  };
}
