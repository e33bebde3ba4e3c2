/**
 * Approximation configurations and their ApproxTuner/HPVM text form (src/core/DESIGN.md §4), with Mobiprox's
 * confidence triples after the five header fields. JSON of `Configuration` is the project's own form.
 */
import { MobiproxError } from '../errors';
import { KNOB_ID_RANGES, isKnobId, knob } from './catalog';

/**
 * Affine 8-bit quantisation of a convolution's input, x ≈ scale·(u − zero) for u in 0..255, calibrated on the
 * tuning data (`mpxrun calibrate`); scale is a float32 value. Written `q=<scale>,<zero>` after an int8 knob.
 */
export interface Quant { scale: number; zero: 0 | 128 }

/** One slot of a layer line: the HPVM op name, the knob it takes and, for an int8 knob, its input's quantisation. */
export interface SlotKnob { op: string; knob: number; quant?: Quant }

/** The text token of a quantisation: nine digits give back the same float32 in C's strtof. */
export const formatQuant = (q: Quant): string => `q=${Math.fround(q.scale).toPrecision(9)},${q.zero}`;

/** A token `q=<scale>,<zero>`, or why it is not one. */
export function parseQuant(token: string | undefined): Quant | string {
  const m = /^q=([^,]+),(0|128)$/.exec(token ?? '');
  const scale = m ? Math.fround(Number(m[1])) : NaN;
  if (!m || !(scale > 0) || !Number.isFinite(scale)) return `expected q=<scale>,<zero> (scale > 0, zero 0 or 128), found '${token ?? ''}'`;
  return { scale, zero: Number(m[2]) as 0 | 128 };
}

/**
 * Mean softmax confidence over all predictions, the correct ones and the wrong ones; null for a mean over no
 * predictions (a class never predicted, or never predicted wrongly), written `nan` in the text form — the
 * token C's strtod reads too, so the native runtime accepts the same files.
 */
export interface ConfidenceTriple { mean: number | null; correct: number | null; wrong: number | null }

/** The text form of a missing mean. */
export const MISSING_MEAN = 'nan';

export interface Configuration {
  name: string;
  speedup: number;
  energy: number;
  accuracy: number;
  qosLoss: number;
  /** First over all classes, then one per class, as the profiler measured them. */
  confidence?: ConfidenceTriple[];
  /** One entry per layer (HPVM line 1, 2, …), one knob per slot. */
  layers: SlotKnob[][];
}

export interface ConfigurationFile {
  baselineTime: number;
  configurations: Configuration[];
}

const fmt = (v: number) => (Number.isInteger(v) ? v.toFixed(1) : String(Number(v.toPrecision(8))));

export function formatHpvm(file: ConfigurationFile): string {
  const out = [fmt(file.baselineTime)];
  for (const c of file.configurations) {
    out.push('+++++');
    const triples = (c.confidence ?? []).flatMap((t) => [t.mean, t.correct, t.wrong].map((v) => (v === null ? MISSING_MEAN : fmt(v))));
    out.push([c.name, fmt(c.speedup), fmt(c.energy), fmt(c.accuracy), fmt(c.qosLoss), ...triples].join(' '));
    c.layers.forEach((slots, i) => out.push(formatLayerLine(i + 1, slots)));
    out.push('-----');
  }
  return out.join('\n') + '\n';
}

/** One layer line: `index gpu (op knob_name knob_id [q=scale,zero])+`. */
export function formatLayerLine(index: number, slots: readonly SlotKnob[]): string {
  return [String(index), 'gpu', ...slots.flatMap((s) => [s.op, knob(s.knob).name, String(s.knob), ...(s.quant ? [formatQuant(s.quant)] : [])])].join(' ');
}

export function parseHpvm(text: string, file = '<configurations>'): ConfigurationFile {
  const lines = text.split(/\r?\n/);
  const fail = (n: number, why: string) =>
    new MobiproxError(`${file}:${n + 1}: ${why}`, { file, value: lines[n] });
  let n = 0;
  while (n < lines.length && lines[n].trim() === '') n++;
  const baselineTime = Number(lines[n]?.trim());
  if (!Number.isFinite(baselineTime)) throw fail(n, `the first line must be the baseline time (a number), not '${lines[n] ?? ''}'.`);
  const configurations: Configuration[] = [];
  for (n++; n < lines.length; n++) {
    const line = lines[n].trim();
    if (line === '') continue;
    if (line !== '+++++') throw fail(n, `expected '+++++' to open a configuration, found '${line}'.`);
    const header = lines[++n]?.trim().split(/\s+/) ?? [];
    if (header.length < 5) throw fail(n, 'a configuration header is `name speedup energy accuracy qos_loss [confidence triples]`.');
    const [name, ...fields] = header;
    // Only confidence means may be missing; the four figures before them must be numbers.
    const values: (number | null)[] = fields.map((f, i) => (i >= 4 && f.toLowerCase() === MISSING_MEAN ? null : Number(f)));
    const badField = values.findIndex((v) => v !== null && !Number.isFinite(v));
    if (badField >= 0) throw fail(n, `'${fields[badField]}' in the header of ${name} is not a number.`);
    const extra = values.slice(4);
    if (extra.length % 3 !== 0) throw fail(n, `${name} has ${extra.length} confidence values; they come in triples (mean correct wrong).`);
    const config: Configuration = {
      name, speedup: values[0]!, energy: values[1]!, accuracy: values[2]!, qosLoss: values[3]!, layers: [],
    };
    if (extra.length > 0) {
      config.confidence = [];
      for (let i = 0; i < extra.length; i += 3) config.confidence.push({ mean: extra[i], correct: extra[i + 1], wrong: extra[i + 2] });
    }
    for (n++; ; n++) {
      if (n >= lines.length) throw fail(n - 1, `configuration ${name} is not closed by '-----'.`);
      const l = lines[n].trim();
      if (l === '-----') break;
      if (l === '') continue;
      config.layers.push(parseLayerLine(l, config.layers.length + 1, name, (why) => fail(n, why)));
    }
    configurations.push(config);
  }
  return { baselineTime, configurations };
}

function parseLayerLine(line: string, expected: number, config: string, fail: (why: string) => Error): SlotKnob[] {
  const t = line.split(/\s+/);
  if (Number(t[0]) !== expected) throw fail(`${config}: expected layer ${expected}, found '${t[0]}'.`);
  const slots: SlotKnob[] = [];
  for (let i = 2; i < t.length; i += 3) {
    if (i + 2 >= t.length) throw fail(`${config}: a layer line is \`index device (op knob_name knob_id [q=scale,zero])+\`.`);
    const id = Number(t[i + 2]);
    if (!Number.isInteger(id)) throw fail(`${config}: knob id '${t[i + 2]}' of ${t[i]} is not a whole number.`);
    if (!isKnobId(id)) throw fail(`${config}: ${id} is not an approximation knob id (valid: ${KNOB_ID_RANGES}).`);
    const name = knob(id).name;
    if (name !== t[i + 1]) throw fail(`${config}: knob ${id} is ${name}, not ${t[i + 1]}.`);
    const slot: SlotKnob = { op: t[i], knob: id };
    if (knob(id).int8) {
      const quant = parseQuant(t[i + 3]);
      if (typeof quant === 'string') throw fail(`${config}: int8 knob ${id} of ${t[i]} needs its input quantisation: ${quant}.`);
      slot.quant = quant;
      i++;
    }
    slots.push(slot);
  }
  if (slots.length === 0) throw fail(`${config}: a layer line is \`index device (op knob_name knob_id [q=scale,zero])+\`.`);
  return slots;
}

/** The exact configuration for layers given by their slot op names. */
export function exactConfiguration(layerSlots: string[][], accuracy = 0): Configuration {
  return {
    name: 'conf0', speedup: 1, energy: 1, accuracy, qosLoss: 0,
    layers: layerSlots.map((slots) => slots.map((op) => ({ op, knob: 11 }))),
  };
}
