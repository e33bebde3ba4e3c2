import { Tensor, elementCount } from './graph';

/** Index arithmetic over row-major tensors shared by constant folding and the fusion passes. */

export function strides(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) s[i] = s[i + 1] * dims[i + 1];
  return s;
}

/** numpy broadcasting of two shapes, or undefined when they do not broadcast. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] | undefined {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return undefined;
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** Element offsets of `dims` read at every position of the broadcast shape `to`. */
export function broadcastIndex(dims: readonly number[], to: readonly number[]): Int32Array {
  const n = elementCount(to);
  const index = new Int32Array(n);
  const src = strides(dims);
  const lead = to.length - dims.length;
  const pos = new Array<number>(to.length).fill(0);
  for (let i = 0; i < n; i++) {
    let off = 0;
    for (let d = lead; d < to.length; d++) if (dims[d - lead] !== 1) off += pos[d] * src[d - lead];
    index[i] = off;
    for (let d = to.length - 1; d >= 0; d--) {
      if (++pos[d] < to[d]) break;
      pos[d] = 0;
    }
  }
  return index;
}

export function transposeTensor(t: Tensor, perm: readonly number[]): Tensor {
  const dims = perm.map((p) => t.dims[p]);
  const src = strides(t.dims);
  const n = elementCount(dims);
  const data = new Float64Array(n);
  const pos = new Array<number>(dims.length).fill(0);
  for (let i = 0; i < n; i++) {
    let off = 0;
    for (let d = 0; d < dims.length; d++) off += pos[d] * src[perm[d]];
    data[i] = t.data[off];
    for (let d = dims.length - 1; d >= 0; d--) {
      if (++pos[d] < dims[d]) break;
      pos[d] = 0;
    }
  }
  return { type: t.type, dims, data };
}

/** ONNX axis normalisation: a negative axis counts from the end. Returns NaN when out of range. */
export function normalizeAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  return a >= 0 && a < rank ? a : NaN;
}

export interface SliceAxis {
  start: number;
  step: number;
  count: number;
}

/** Resolves one axis of an ONNX Slice (clamping as the operator specifies) for a dimension of size `dim`. */
export function resolveSliceAxis(dim: number, start: number, end: number, step: number): SliceAxis {
  let s = start < 0 ? start + dim : start;
  let e = end < 0 ? end + dim : end;
  if (step > 0) {
    s = Math.min(Math.max(s, 0), dim);
    e = Math.min(Math.max(e, 0), dim);
  } else {
    s = Math.min(Math.max(s, 0), dim - 1);
    e = Math.min(Math.max(e, -1), dim - 1);
  }
  const count = Math.max(0, Math.ceil((e - s) / step));
  return { start: s, step, count };
}

export function sliceTensor(t: Tensor, axes: readonly SliceAxis[]): Tensor {
  const dims = axes.map((a) => a.count);
  const src = strides(t.dims);
  const n = elementCount(dims);
  const data = new Float64Array(n);
  const pos = new Array<number>(dims.length).fill(0);
  for (let i = 0; i < n; i++) {
    let off = 0;
    for (let d = 0; d < dims.length; d++) off += (axes[d].start + pos[d] * axes[d].step) * src[d];
    data[i] = t.data[off];
    for (let d = dims.length - 1; d >= 0; d--) {
      if (++pos[d] < dims[d]) break;
      pos[d] = 0;
    }
  }
  return { type: t.type, dims, data };
}
