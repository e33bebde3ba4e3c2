import { MobiproxError } from '../errors';

/**
 * The approximation knobs with their HPVM ids and names (src/core/DESIGN.md §2), and the int8 family beyond HPVM
 * (311, perf_int8 321-338, samp_int8 341-349; native-runtime/FORMAT.md): the table, the decoding of each id
 * into its parameters, the cost model's nominal speedups, and which knobs apply to which op.
 */

export type KnobName = 'fp32' | 'fp16' | 'perf' | 'perf_fp16' | 'samp' | 'samp_fp16' | 'int8' | 'perf_int8' | 'samp_int8';

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

/** Perforation parameters in id order from 121: per stride, columns then rows, each over every offset. */
function perforations(): { direction: 'row' | 'col'; stride: number; offset: number }[] {
  const out: { direction: 'row' | 'col'; stride: number; offset: number }[] = [];
  for (const stride of [2, 3, 4]) {
    for (const direction of ['col', 'row'] as const) {
      for (let offset = 0; offset < stride; offset++) out.push({ direction, stride, offset });
    }
  }
  return out;
}

/** Sampling parameters in id order from 231: per stride, every offset. */
function samplings(): { stride: number; offset: number }[] {
  return [2, 3, 4].flatMap((stride) => Array.from({ length: stride }, (_, offset) => ({ stride, offset })));
}

function buildCatalog(): Knob[] {
  const knobs: Knob[] = [
    { id: 11, name: 'fp32', half: false, nominalSpeedup: 1.0 },
    { id: 12, name: 'fp16', half: true, nominalSpeedup: 1.5 },
  ];
  for (const half of [false, true]) {
    perforations().forEach((p, i) =>
      knobs.push({
        id: 121 + i + (half ? 30 : 0),
        name: half ? 'perf_fp16' : 'perf',
        half,
        perforation: p,
        nominalSpeedup: (half ? HALF_SPEEDUP_BY_STRIDE : EXACT_SPEEDUP_BY_STRIDE)[p.stride],
      }),
    );
    samplings().forEach((s, i) =>
      knobs.push({
        id: 231 + i + (half ? 30 : 0),
        name: half ? 'samp_fp16' : 'samp',
        half,
        sampling: s,
        nominalSpeedup: (half ? HALF_SPEEDUP_BY_STRIDE : EXACT_SPEEDUP_BY_STRIDE)[s.stride],
      }),
    );
  }
  knobs.push({ id: 311, name: 'int8', half: false, int8: true, nominalSpeedup: INT8_SPEEDUP });
  perforations().forEach((p, i) =>
    knobs.push({
      id: 321 + i, name: 'perf_int8', half: false, int8: true, perforation: p,
      nominalSpeedup: INT8_SPEEDUP * EXACT_SPEEDUP_BY_STRIDE[p.stride],
    }),
  );
  samplings().forEach((s, i) =>
    knobs.push({
      id: 341 + i, name: 'samp_int8', half: false, int8: true, sampling: s,
      nominalSpeedup: INT8_SPEEDUP * EXACT_SPEEDUP_BY_STRIDE[s.stride],
    }),
  );
  return knobs.sort((a, b) => a.id - b.id);
}

/** Every knob, by ascending id. */
export const KNOBS: readonly Knob[] = buildCatalog();

const BY_ID = new Map(KNOBS.map((k) => [k.id, k]));

export const EXACT_KNOB = 11;
export const HALF_KNOB = 12;
export const INT8_KNOB = 311;

export function isKnobId(id: number): boolean {
  return BY_ID.has(id);
}

/** The valid ids, for messages. */
export const KNOB_ID_RANGES = '11, 12, 121-138, 151-168, 231-239, 261-269, 311, 321-338, 341-349';

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
