/**
 * One network through the product, as a user would run it: tune on the host, profile the frontier on the
 * (virtual) device over adb, and, for networks that adapt, calibrate on validation data and replay every
 * strategy over the device's traces. Stage wall times are kept for the report.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  aggregate, calibrateProfile, createStrategy, simulate, SimulationResult, SimulationSummary, splitTrace, StrategySpec, Trace,
} from '../../src/core/adapt';
import { classCount, configurationOutputs } from '../../src/core/adapt/hostProfile';
import { AdaptableSet, strategyConfigurations, traceFromOutputs } from '../../src/core/adapt/profiledSet';
import { NdArray } from '../../src/core/data/ndarray';
import { encodeNpy, readNpy } from '../../src/core/data/npy';
import { gatherRows, seededPermutation } from '../../src/core/data/rowOrder';
import { AdbServer } from '../../src/core/device/adbServer';
import { profileOnDevice } from '../../src/core/device/profile';
import { ConfigurationSet, toHpvm } from '../../src/core/knobs/configurationSet';
import { prepareData } from '../../src/core/runtime/prepare';
import { OutcomeIntervals } from '../../src/core/stats/outcomeIntervals';
import { TuneProgress, TuneStats, tune } from '../../src/core/tuner/tune';
import { deviceIntervals, StrategyIntervals, strategyIntervals } from './intervals';
import { Network, Rows } from './networks';

export interface StrategyRow {
  name: string;
  spec: StrategySpec;
  pooled: SimulationSummary;
  meanPerTrace: SimulationSummary;
  results: SimulationResult[];
  intervals: StrategyIntervals;
}

export interface NetworkRun {
  network: Network;
  tuneSeconds: number;
  tuneStats: TuneStats;
  profileSeconds: number;
  /** Of which the remote runtime ran. */
  remoteSeconds: number;
  deviceSamples: number;
  /** Tuned, profiled on the device and, for adaptation, calibrated. */
  set: AdaptableSet;
  /** Per configuration, its device accuracy and loss intervals (intervals.ts); absent without per-sample records. */
  deviceIntervals?: OutcomeIntervals[];
  strategies?: StrategyRow[];
  /** The traces (one per group) the strategies replayed. */
  traces?: Trace[];
}

export interface Stage {
  adb: AdbServer;
  serial: string;
  workDir: string;
  log: (message: string) => void;
}

export async function runNetwork(net: Network, stage: Stage): Promise<NetworkRun> {
  const dir = path.join(stage.workDir, net.name);
  fs.mkdirSync(dir, { recursive: true });
  const started = Date.now();
  stage.log(`${net.name}: tuning`);
  const tuned = await tune({
    model: net.model, input: net.tune.input, labels: net.tune.labels, preprocessing: net.preprocessing, shuffleSeed: net.tune.shuffleSeed,
    tuneSize: net.tune.tuneSize, testSize: net.tune.testSize, qosThreshold: 3, cacheDir: path.join(dir, 'cache'),
    out: path.join(dir, 'tuned.json'), hpvmOut: path.join(dir, 'tuned.txt'),
  }, { onProgress: phaseLogger(net.name, stage.log) });
  const tuneSeconds = (Date.now() - started) / 1000;
  stage.log(`${net.name}: ${tuned.set.configurations.length - 1} configurations in ${tuneSeconds.toFixed(0)} s; profiling on ${stage.serial}`);

  const device = materialize(net.device, dir, 'device');
  const data = prepareData({ model: net.model, input: device.input, labels: device.labels, preprocessing: net.preprocessing });
  let set: AdaptableSet;
  let profileSeconds: number;
  let remoteSeconds: number;
  try {
    const t0 = Date.now();
    const profiled = await profileOnDevice({
      adb: stage.adb, serial: stage.serial, data, set: tuned.set, recordsFile: path.join(dir, 'device.records.jsonl'), batch: 1,
      // One inference at a time on one core, as the tuner measured: at batch 1 a second thread slows the
      // approximated convolutions (less work to split) more than the exact ones.
      threads: 1,
    });
    profileSeconds = (Date.now() - t0) / 1000;
    remoteSeconds = profiled.remoteMs / 1000;
    set = profiled.set;
    stage.log(`${net.name}: profiled in ${profileSeconds.toFixed(0)} s`);
    const labels = readNpy(device.labels).data as Int32Array;
    const groups = device.groups ? readNpy(device.groups).data as Int32Array : undefined;
    const measured = {
      network: net, tuneSeconds, tuneStats: tuned.stats, profileSeconds, remoteSeconds, deviceSamples: data.samples, set,
      deviceIntervals: deviceIntervals(set, labels, groups),
    };
    if (!net.calibration) return measured;

    const calibration = materialize(net.calibration, dir, 'calibration');
    set = await calibrateProfile({ set, model: net.model, input: calibration.input, labels: calibration.labels, preprocessing: net.preprocessing });
    // The device recorded confidences at T = 1: the calibrated trace comes from the same outputs on the host.
    const configsPath = path.join(dir, 'profiled.txt');
    fs.writeFileSync(configsPath, toHpvm(set));
    const logits = await configurationOutputs(data, configsPath, set.configurations.length);
    const whole = traceFromOutputs(set, logits, labels, classCount(data), net.name);
    const traces = groups ? splitTrace(whole, groups) : [whole];
    const strategies = strategySpecs(set).map(([name, spec]) => {
      const results = traces.map((t) => simulate(spec.kind === 'rules' ? drainingBattery(t) : t, createStrategy(spec, strategyConfigurations(set))));
      const summary = aggregate(results);
      return { name, spec, ...summary, results, intervals: strategyIntervals(set, traces, results, summary) };
    });
    return { ...measured, set, strategies, traces };
  } finally {
    data.dispose();
  }
}

/** The strategies of the paper (§5) with both step growths, our budget strategy, and a battery rule. */
function strategySpecs(set: ConfigurationSet): [string, StrategySpec][] {
  const last = set.configurations.length - 1;
  return [
    ['exact', { kind: 'fixed', index: 0 }],
    [`fastest (${set.configurations[last].name})`, { kind: 'fixed', index: last }],
    ['naive, linear', { kind: 'naive' }],
    ['naive, exponential', { kind: 'naive', growth: 'exponential' }],
    ['state-driven (N=3, V_L=2), linear', { kind: 'state' }],
    ['state-driven (N=3, V_L=2), exponential', { kind: 'state', growth: 'exponential' }],
    ['confidence-driven, linear', { kind: 'confidence' }],
    ['confidence-driven, exponential', { kind: 'confidence', growth: 'exponential' }],
    ...[0.6, 0.7, 0.8].map((b): [string, StrategySpec] => [`budget ≤ ${b} (ours)`, { kind: 'budget', budget: b }]),
    ['rules: battery < 30 % → faster half; confidence inside', {
      kind: 'rules', rules: [{ batteryBelow: 30, min: Math.ceil(last / 2), max: last }], inner: { kind: 'confidence' },
    }],
  ];
}

/** The battery drains from 100 % to 0 % over the trace. */
function drainingBattery(t: Trace): Trace {
  const n = t.labels.length;
  return { ...t, context: Array.from(t.labels, (_, i) => ({ battery: 100 - (100 * i) / n, charging: false, mode: 'normal' })) };
}

/** The rows as files of their own (the originals when the rows are the whole files). */
function materialize(rows: Rows, dir: string, name: string): { input: string; labels: string; groups?: string } {
  if (rows.from === undefined && rows.count === undefined && rows.shuffleSeed === undefined) return rows;
  const x = readNpy(rows.input);
  const n = x.shape[0];
  const order = rows.shuffleSeed === undefined ? Uint32Array.from({ length: n }, (_, i) => i) : seededPermutation(n, rows.shuffleSeed);
  const from = rows.from ?? 0;
  const picked = order.subarray(from, Math.min(n, from + (rows.count ?? n)));
  const write = (a: NdArray, suffix: string) => {
    const out = path.join(dir, `${name}-${suffix}.npy`);
    fs.writeFileSync(out, encodeNpy(gatherRows(a, picked)));
    return out;
  };
  return {
    input: write(x, 'x'), labels: write(readNpy(rows.labels), 'y'), ...(rows.groups ? { groups: write(readNpy(rows.groups), 'groups') } : {}),
  };
}

/** Logs each tuning phase once as it starts, then its count when it ends: a log that only moves forward. */
function phaseLogger(name: string, log: (message: string) => void): (p: TuneProgress) => void {
  let current: TuneProgress | undefined;
  return (p) => {
    if (current && p.phase !== current.phase) log(`${name}: ${current.phase} done (${current.done}/${current.total})`);
    if (!current || p.phase !== current.phase) log(`${name}: ${p.phase}`);
    current = p;
  };
}
