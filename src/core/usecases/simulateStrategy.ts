/**
 * Simulate Strategy / `mobiprox simulate`: a strategy replayed over traces of a profiled set (src/core/DESIGN.md §6),
 * one trace per group when the samples are grouped (e.g. by subject). The trace is the set's recorded
 * outcomes, or the outputs of every configuration run now on the host (needed once the set is calibrated).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { classCount, configurationOutputs } from '../adapt/hostProfile';
import { AdaptableSet, labelsOfProfile, strategyConfigurations, traceFromOutputs, traceFromRecords } from '../adapt/profiledSet';
import { Aggregate, SimulationResult, aggregate, simulate } from '../adapt/simulate';
import { StrategySpec, createStrategy } from '../adapt/strategies';
import { DeviceContext } from '../adapt/contextRules';
import { Trace, splitTrace } from '../adapt/trace';
import { toNumbers } from '../data/ndarray';
import { readNpy } from '../data/npy';
import { Preprocessing } from '../data/preprocess';
import { MobiproxError } from '../errors';
import { checkConfigurationsFit, readConfigurationSet, toHpvm } from '../knobs/configurationSet';
import { prepareData } from '../runtime/prepare';

export interface SimulationRequest {
  /** A profiled set (Mobiprox JSON). */
  profile: string;
  /** One class index per sample, in trace order. */
  labels: string;
  /** One trace per group id (e.g. the subject of each sample), samples in file order. */
  traceBy?: string;
  strategy: StrategySpec;
  /** The trace's samples, checked to match the labels. */
  input?: string;
  /** The device's state over each trace, for context rules: the battery falls linearly from start to end. */
  context?: { battery: [number, number]; charging: boolean; mode: string };
}

export interface HostSimulationRequest extends SimulationRequest {
  /** The model the set belongs to: every configuration runs on `input`. */
  model: string;
  input: string;
  preprocessing?: Preprocessing;
  threads?: number;
  signal?: AbortSignal;
}

export interface Simulation extends Aggregate {
  set: AdaptableSet;
  /** Each configuration's cost relative to the exact one's. */
  costs: number[];
  /** One per trace. */
  results: SimulationResult[];
  /** The strategy's, e.g. no configuration fits the budget. */
  warnings: string[];
  /** What the trace is when it is not what was given (a set profiled on the first samples only). */
  notes: string[];
}

/** Replays the set's recorded per-sample outcomes. */
export function simulateRecorded(r: SimulationRequest): Simulation {
  const set = readConfigurationSet(r.profile) as AdaptableSet;
  const labels = readIntegers(r.labels);
  if (r.input) checkRows(r.input, labels.length);
  const profiled = labelsOfProfile(set, labels, r.labels);
  const whole = traceFromRecords(set, profiled.labels, path.basename(r.labels, '.npy'));
  return replay(set, whole, r, profiled.note === undefined ? [] : [profiled.note]);
}

/** Runs every configuration of the set on the host over `input`, then replays those outputs. */
export async function simulateOnHost(r: HostSimulationRequest): Promise<Simulation> {
  const set = readConfigurationSet(r.profile) as AdaptableSet;
  const labels = readIntegers(r.labels);
  const data = prepareData({ model: r.model, input: r.input, preprocessing: r.preprocessing ?? {} });
  let whole: Trace;
  try {
    if (data.samples !== labels.length) throw new MobiproxError(`${r.input} has ${data.samples} samples but ${r.labels} ${labels.length} labels.`, { file: r.labels });
    checkConfigurationsFit(set.configurations, data.model.layers, r.profile, r.model);
    const configsPath = path.join(data.workDir, 'configurations.txt');
    fs.writeFileSync(configsPath, toHpvm(set));
    const logits = await configurationOutputs(data, configsPath, set.configurations.length, { threads: r.threads, signal: r.signal });
    whole = traceFromOutputs(set, logits, labels, classCount(data), path.basename(r.input, '.npy'));
  } finally {
    data.dispose();
  }
  return replay(set, whole, r, []);
}

function replay(set: AdaptableSet, whole: Trace, r: SimulationRequest, notes: string[]): Simulation {
  const traces = r.traceBy ? splitTrace(whole, readIntegers(r.traceBy).slice(0, whole.labels.length)) : [whole];
  const configs = strategyConfigurations(set);
  const strategies = traces.map(() => createStrategy(r.strategy, configs));
  const warning = strategies[0]?.warning;
  const results = traces.map((t, n) => simulate(r.context ? { ...t, context: contextOver(t, r.context) } : t, strategies[n]));
  return { set, costs: configs.costs!, results, ...aggregate(results), warnings: warning === undefined ? [] : [warning], notes };
}

function contextOver(t: Trace, c: NonNullable<SimulationRequest['context']>): DeviceContext[] {
  const [start, end] = c.battery;
  const n = t.labels.length;
  return Array.from({ length: n }, (_, i) => ({ battery: n > 1 ? start + ((end - start) * i) / (n - 1) : start, charging: c.charging, mode: c.mode }));
}

function readIntegers(file: string): number[] {
  const a = readNpy(file);
  if (a.dtype === 'float32' || a.dtype === 'float64' || a.shape.length !== 1) {
    throw new MobiproxError(`${file} must hold one integer per sample, shape [N].`, { file });
  }
  return Array.from(toNumbers(a));
}

function checkRows(file: string, n: number): void {
  const rows = readNpy(file).shape[0];
  if (rows !== n) throw new MobiproxError(`${file} has ${rows} samples but the labels ${n}.`, { file });
}
