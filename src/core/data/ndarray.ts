/** A dense C-order array as stored in .npy files. */
export type DType = 'float32' | 'float64' | 'int32' | 'int64' | 'uint8';

export type TypedData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

export interface NdArray<D extends TypedData = TypedData> {
  dtype: DType;
  shape: number[];
  data: D;
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Values as numbers; int64 values beyond 2^53 lose precision, which labels and indices never reach. */
export function toNumbers(a: NdArray): Float64Array {
  if (a.data instanceof BigInt64Array) return Float64Array.from(a.data, (v) => Number(v));
  return Float64Array.from(a.data as ArrayLike<number>);
}

export function toFloat32(a: NdArray): Float32Array {
  if (a.data instanceof Float32Array) return a.data;
  if (a.data instanceof BigInt64Array) return Float32Array.from(a.data, (v) => Number(v));
  return Float32Array.from(a.data as ArrayLike<number>);
}

export function float32Array(shape: number[], data: Float32Array): NdArray<Float32Array> {
  return { dtype: 'float32', shape, data };
}
