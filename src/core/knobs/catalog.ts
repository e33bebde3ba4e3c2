import { MobiproxError } from '../errors';
import { KNOB_ROWS, KnobName, KnobRow } from './knobTable';

/**
 * The approximation knobs with their HPVM ids and names (src/core/DESIGN.md §2), and the int8 family beyond HPVM
 * (311, perf_int8 321-338, samp_int8 341-349; native-runtime/FORMAT.md): the ids and what each does come from
 * native-runtime/knobs.tsv (through the generated knobTable.ts), the table the C runtime is generated from too;
 * here are the cost model's nominal speedups and which knobs apply to which op.
 */

export type { KnobName };

export interface Knob {
  id: number;
  name: KnobName;
  /** binary16 operands and results. */
  half: boolean;
  /** 8-bit operands, int32 sums: a convolution's knob, which needs its input's calibrated quantisation. */
  int8?: boolean;
  /** Perforation: skip rows or columns of the output with this stride and offset. */
  perforation?: { direction: 'row' | 'col'; stride: number; offset: number };
  /** Filter sampling: drop every stride-th filter element from this offset. */
  sampling?: { stride: number; offset: number };
  /** The cost model's prior; measured speedups replace it. */
  nominalSpeedup: number;
}

const EXACT_SPEEDUP_BY_STRIDE: Record<number, number> = { 2: 2.0, 3: 1.5, 4: 1.33 };
const HALF_SPEEDUP_BY_STRIDE: Record<number, number> = { 2: 3.0, 3: 2.25, 4: 2.0 };
/** int8 against fp32: four 8-bit products per 32-bit lane, less the quantisation of the input. */
const INT8_SPEEDUP = 2.0;
const HALF_SPEEDUP = 1.5;

function nominal(r: KnobRow): number {
  const exact = r.approximation === 'exact';
  if (r.precision === 'fp16') return exact ? HALF_SPEEDUP : HALF_SPEEDUP_BY_STRIDE[r.stride];
  const speedup = exact ? 1.0 : EXACT_SPEEDUP_BY_STRIDE[r.stride];
  return r.precision === 'int8' ? INT8_SPEEDUP * speedup : speedup;
}

function knobOf(r: KnobRow): Knob {
  const { stride, offset } = r;
  return {
    id: r.id, name: r.name, half: r.precision === 'fp16',
    ...(r.precision === 'int8' ? { int8: true } : {}),
    ...(r.approximation === 'perf_cols' || r.approximation === 'perf_rows'
      ? { perforation: { direction: r.approximation === 'perf_rows' ? 'row' : 'col', stride, offset } as const } : {}),
    ...(r.approximation === 'sampling' ? { sampling: { stride, offset } } : {}),
    nominalSpeedup: nominal(r),
  };
}

/** Every knob, by ascending id. */
export const KNOBS: readonly Knob[] = KNOB_ROWS.map(knobOf);

const BY_ID = new Map(KNOBS.map((k) => [k.id, k]));

export const EXACT_KNOB = 11;
export const HALF_KNOB = 12;
export const INT8_KNOB = 311;

export function isKnobId(id: number): boolean {
  return BY_ID.has(id);
}

/** The valid ids, for messages: "11, 12, 121-138, …". */
export const KNOB_ID_RANGES = formatKnobIds(KNOBS.map((k) => k.id)).split(' ').join(', ');

export function knob(id: number): Knob {
  const k = BY_ID.get(id);
  if (!k) throw new MobiproxError(`${id} is not an approximation knob id (valid: ${KNOB_ID_RANGES}).`, { value: id });
  return k;
}

export const knobName = (id: number): KnobName => knob(id).name;

/** A knob in words, for people: "row perforation ×2 offset 1, fp16", "filter sampling ×3 offset 0, int8". */
export function knobTitle(id: number): string {
  const k = knob(id);
  const precision = k.half ? 'fp16' : k.int8 ? 'int8' : 'fp32';
  if (k.perforation) return `${k.perforation.direction === 'row' ? 'row' : 'column'} perforation ×${k.perforation.stride} offset ${k.perforation.offset}, ${precision}`;
  if (k.sampling) return `filter sampling ×${k.sampling.stride} offset ${k.sampling.offset}, ${precision}`;
  return id === 11 ? 'exact fp32' : precision;
}
export const nominalSpeedup = (id: number): number => knob(id).nominalSpeedup;

/** What decides which knobs an op's approximation slot takes. */
export interface KnobTarget {
  /** HPVM op name of the slot (conv, group_conv, mul, add, relu, …). */
  op: string;
  /** The op step the slot controls: 0 the op itself, 1 a fused bias add, 2 a fused activation. */
  part: number;
  /** Convolutions only: per-sample output height and width, and elements per filter (C/group·kh·kw). */
  outputHeight?: number;
  outputWidth?: number;
  filterElements?: number;
}

const INT8_MAX_FILTER_ELEMENTS = 65536;

/** Whether knob `k` applies to the target (FORMAT.md, layer records). */
export function knobApplies(k: Knob, target: KnobTarget): boolean {
  const convolution = (target.op === 'conv' || target.op === 'group_conv') && target.part === 0;
  if (!k.perforation && !k.sampling && !k.int8) return true;
  if (!convolution) return false;
  // int32 sums of up to 2^16 products of 8-bit values
  if (k.int8 && (target.filterElements ?? 0) > INT8_MAX_FILTER_ELEMENTS) return false;
  if (k.perforation) {
    const dim = k.perforation.direction === 'row' ? target.outputHeight : target.outputWidth;
    return (dim ?? 0) >= 2;
  }
  return !k.sampling || (target.filterElements ?? 0) >= k.sampling.stride;
}

/** Ids of every knob that applies to the target, ascending. */
export function applicableKnobs(target: KnobTarget): number[] {
  return KNOBS.filter((k) => knobApplies(k, target)).map((k) => k.id);
}

/** Knob ids written compactly, runs of three or more as ranges: "11 12 121-138 151-168". */
export function formatKnobIds(ids: readonly number[]): string {
  const sorted = [...ids].sort((a, b) => a - b);
  const runs: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    if (j - i >= 2) runs.push(`${sorted[i]}-${sorted[j]}`);
    else runs.push(...sorted.slice(i, j + 1).map(String));
    i = j + 1;
  }
  return runs.join(' ');
}
