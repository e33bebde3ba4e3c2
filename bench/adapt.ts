/**
 * npm run bench:adapt — every adaptation strategy on the 9 UCI-HAR test-subject traces with har-cnn.
 *
 * Without the tuner's output, the configuration ladder comes from a simple rule applied here only: every
 * convolution knob applied uniformly to all convolutions, to all but the first, or to the first two (the
 * dense layer in fp16 when the knob is fp16). The candidates are measured on the training set (accuracy and
 * host latency), the Pareto front over (measured speedup, training loss ≤ 3 points) is thinned into the
 * ladder, the ladder is calibrated on the training set (one temperature per configuration) and then run on
 * the test set, whose subjects give the traces. Costs are the inverses of the runtime's measured speedups
 * (README, "How speed is measured").
 * The cost model's figures for the same decisions are shown beside them. A second ladder is chosen by the
 * cost model's speedups, its strategies given the cost model's costs (as the adaptation core's first
 * experiments were), and scored by both. Writes bench/results/adapt.{json,md}.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  aggregate, calibrateConfigurations, createStrategy, simulate, splitTrace, StrategySpec, Trace,
} from '../src/core/adapt';
import { profileOnHost } from '../src/core/adapt/hostProfile';
import { relativeCosts, strategyConfigurations, traceFromOutputs, withCalibration } from '../src/core/adapt/profiledSet';
import { LayerInfo } from '../src/core/compile';
import { readNpy } from '../src/core/data/npy';
import { writeFileAtomic } from '../src/core/fsutil';
import { EXACT_KNOB, HALF_KNOB, knob } from '../src/core/knobs/catalog';
import { Configuration, formatHpvm } from '../src/core/knobs/configuration';
import { profileModel } from '../src/core/runtime/mpxrun';
import { prepareData } from '../src/core/runtime/prepare';
import { paretoFront, thinFront } from '../src/core/tuner/pareto';

const shared = path.resolve(__dirname, '../../../shared');
const har = path.join(shared, 'datasets/uci-har');
const onnx = path.join(shared, 'models/har-cnn.onnx');
const MAX_TRAIN_LOSS = 3;
const THREADS = 1; // one thread: har-cnn is far too small for the pool to pay off, and the machine is shared

/** The bench's ladder rule (see the header): one candidate per knob and pattern of approximated convolutions. */
function candidates(layers: LayerInfo[]): Configuration[] {
  const convs = layers.map((l, i) => (l.op === 'conv' ? i : -1)).filter((i) => i >= 0);
  const patterns = [convs, convs.slice(1), convs.slice(0, 2)];
  // HPVM's knobs (the int8 ones would need a calibration first)
  const shared = layers[convs[0]].knobs.filter((k) => k !== EXACT_KNOB && !knob(k).int8 && convs.every((i) => layers[i].knobs.includes(k)));
  const out: Configuration[] = [];
  for (const k of shared) {
    patterns.forEach((pattern, p) => {
      const main = layers.map((l, i) => (pattern.includes(i) ? k : l.op === 'conv' ? EXACT_KNOB : knob(k).half ? HALF_KNOB : EXACT_KNOB));
      out.push({
        name: `k${k}p${p}`, speedup: 1, energy: 1, accuracy: 0, qosLoss: 0,
        layers: layers.map((l, i) => l.slots.map((s, j) => ({ op: s.op, knob: j === 0 ? main[i] : knob(main[i]).half ? HALF_KNOB : EXACT_KNOB }))),
      });
    });
  }
  return out;
}

/** The cost model's relative cost (FLOPs over nominal speedup, src/core/DESIGN.md §3) of a configuration. */
function nominalCost(layers: LayerInfo[], c: Configuration): number {
  const cost = (knobOf: (l: number, s: number) => number) =>
    layers.reduce((sum, l, i) => sum + l.slots.reduce((s2, slot, j) => s2 + slot.flops / knob(knobOf(i, j)).nominalSpeedup, 0), 0);
  return cost((l, s) => c.layers[l][s].knob) / cost(() => EXACT_KNOB);
}

async function main(): Promise<void> {
  if (!fs.existsSync(onnx)) throw new Error(`${onnx} is absent: the benchmark needs ../shared next to the checkout.`);
  const started = Date.now();
  const log = (m: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0)} s] ${m}\n`);
  const train = prepareData({ model: onnx, input: path.join(har, 'train_x.npy'), labels: path.join(har, 'train_y.npy'), preprocessing: { standardize: true } });
  const test = prepareData({ model: onnx, input: path.join(har, 'test_x.npy'), labels: path.join(har, 'test_y.npy'), preprocessing: { standardize: true } });
  try {
    const layers = train.model.layers;
    // 1. Candidates on the training set: accuracy, and the speedups of one measurement of all of them.
    const all = candidates(layers);
    const file = path.join(train.workDir, 'candidates.txt');
    fs.writeFileSync(file, formatHpvm({ baselineTime: 0, configurations: [{ ...all[0], name: 'exact', layers: layers.map((l) => l.slots.map((s) => ({ op: s.op, knob: EXACT_KNOB }))) }, ...all] }));
    const accuracy: number[] = [];
    const speedup: number[] = [];
    for await (const r of profileModel(train.mpxmPath, train.inputPath, train.labelsPath!, file, { threads: THREADS, timing: true })) {
      accuracy[r.index] = r.accuracy;
      speedup[r.index] = r.timing!.speedup.estimate;
    }
    log(`${all.length} candidates measured on the training set`);
    const points = all.map((c, i) => ({
      c, measured: speedup[i + 1], nominal: 1 / nominalCost(layers, c), loss: accuracy[0] - accuracy[i + 1],
    }));
    const trainLabels = readNpy(train.labelsPath!).data as Int32Array;
    const labels = Array.from(readNpy(path.join(har, 'test_y.npy')).data as Int32Array);
    const subjects = Array.from(readNpy(path.join(har, 'test_subject.npy')).data as Int32Array);

    /** One ladder (Pareto front of the candidates by the given speedup), profiled, calibrated and simulated. */
    const study = async (costs: 'measured' | 'nominal'): Promise<Study> => {
      const front = thinFront(paretoFront(points.map((p) => ({ ...p, speedup: p[costs] })).filter((p) => p.loss <= MAX_TRAIN_LOSS && p.speedup > 1.02)));
      log(`${costs} ladder: ${front.map((p) => `${p.c.name} ×${p.speedup.toFixed(2)} −${p.loss.toFixed(2)}`).join(', ')}`);
      const ladder = front.map((p) => p.c);
      const onTrain = await profileOnHost(onnx, train, ladder, { threads: THREADS });
      const onTest = await profileOnHost(onnx, test, ladder, { threads: THREADS });
      const trainIndex = onTest.set.configurations.map((c) => onTrain.set.configurations.findIndex((t) => t.name === c.name));
      const calibration = calibrateConfigurations(trainIndex.map((i) => onTrain.logits[i]), trainLabels, onTest.classes);
      let set = withCalibration(onTest.set, calibration, { input: 'uci-har/train_x.npy', samples: trainLabels.length });
      const nominal = set.configurations.map((c) => nominalCost(layers, c));
      if (costs === 'nominal') {
        // Order by the cost model and let the strategies believe it; measured costs still score the decisions.
        const order = nominal.map((_, k) => k).sort((a, b) => (a === 0 ? -1 : b === 0 ? 1 : nominal[b] - nominal[a]));
        const pick = <T>(a: T[]) => order.map((k) => a[k]);
        set = { ...set, configurations: pick(set.configurations), calibration: { ...set.calibration!, temperatures: pick(set.calibration!.temperatures), fits: pick(set.calibration!.fits), triples: pick(set.calibration!.triples), thresholds: { lessBelow: pick(set.calibration!.thresholds.lessBelow), moreAbove: pick(set.calibration!.thresholds.moreAbove) } } };
        onTest.logits = pick(onTest.logits);
      }
      const measured = relativeCosts(set);
      const model = set.configurations.map((c) => nominalCost(layers, c));
      const believed = costs === 'measured' ? measured : model;
      const traces = splitTrace(traceFromOutputs(set, onTest.logits, labels, onTest.classes, 'uci-har'), subjects);
      const configs = { ...strategyConfigurations(set), costs: believed };
      const last = set.configurations.length - 1;
      // Rules drain the battery from 100 % to 0 % over each trace.
      const battery = (t: Trace): Trace => ({ ...t, context: Array.from(t.labels, (_, i) => ({ battery: 100 - (100 * i) / t.labels.length, charging: false, mode: 'normal' })) });
      const specs: [string, StrategySpec][] = [
        ['exact', { kind: 'fixed', index: 0 }],
        ...set.configurations.slice(1).map((c, k): [string, StrategySpec] => [`fixed ${c.name}`, { kind: 'fixed', index: k + 1 }]),
        ['naive linear', { kind: 'naive' }], ['naive exponential', { kind: 'naive', growth: 'exponential' }],
        ['state linear (N=3, V_L=2)', { kind: 'state' }], ['state exponential (N=3, V_L=2)', { kind: 'state', growth: 'exponential' }],
        ['confidence linear', { kind: 'confidence' }], ['confidence exponential', { kind: 'confidence', growth: 'exponential' }],
        ...[0.6, 0.7, 0.8, 0.9].map((b): [string, StrategySpec] => [`budget B=${b}`, { kind: 'budget', budget: b }]),
        ['rules: battery<30 → upper half, confidence inside', { kind: 'rules', rules: [{ batteryBelow: 30, min: Math.ceil(last / 2), max: last }], inner: { kind: 'confidence' } }],
      ];
      const rows = specs.map(([name, spec]) => {
        const results = traces.map((t) => simulate({ ...(spec.kind === 'rules' ? battery(t) : t), costs: measured }, createStrategy(spec, configs)));
        const { pooled, meanPerTrace } = aggregate(results);
        return {
          name, spec, pooled, meanPerTrace, modelRelativeCost: pooled.share.reduce((sum, sh, k) => sum + sh * model[k], 0),
          perTrace: results.map((r) => ({ trace: r.trace, accuracy: r.accuracy, loss: r.loss, relativeCost: r.relativeCost, switches: r.switches })),
        };
      });
      const ladderRows = set.configurations.map((c, k) => ({
        name: c.name, latencyMsPerSample: c.host!.latencyMsPerSample!, relativeCost: measured[k], modelRelativeCost: model[k],
        testAccuracy: c.host!.accuracy, temperature: set.calibration!.temperatures[k],
        eceBefore: set.calibration!.fits[k].eceBefore, eceAfter: set.calibration!.fits[k].eceAfter,
      }));
      // Ranked by the costs the strategies were given: measured ones, or the cost model's.
      const rank = (r: (typeof rows)[number]) => (costs === 'measured' ? r.pooled.relativeCost : r.modelRelativeCost);
      const best = rows.filter((r) => r.pooled.loss <= 1 && r.spec.kind !== 'fixed').sort((a, b) => rank(a) - rank(b))[0];
      return { costs, ladder: ladderRows, strategies: rows, best: best && { name: best.name, relativeCost: best.pooled.relativeCost, modelRelativeCost: best.modelRelativeCost, loss: best.pooled.loss } };
    };

    const studies = [await study('measured'), await study('nominal')];
    const out = {
      date: new Date().toISOString(), host: `${os.cpus()[0]?.model} (${os.cpus().length} cores)`, threads: THREADS,
      candidates: points.map((p) => ({ name: p.c.name, measuredSpeedup: p.measured, nominalSpeedup: p.nominal, trainLoss: p.loss })), studies,
    };
    fs.mkdirSync(path.join(__dirname, '../../bench/results'), { recursive: true });
    writeFileAtomic(path.join(__dirname, '../../bench/results/adapt.json'), JSON.stringify(out, null, 1) + '\n');
    const md = markdown(out);
    writeFileAtomic(path.join(__dirname, '../../bench/results/adapt.md'), md);
    process.stdout.write(md);
  } finally {
    train.dispose();
    test.dispose();
  }
}

interface Study {
  costs: 'measured' | 'nominal';
  ladder: { name: string; latencyMsPerSample: number; relativeCost: number; modelRelativeCost: number; testAccuracy: number; temperature: number; eceBefore: number; eceAfter: number }[];
  strategies: { name: string; pooled: { accuracy: number; loss: number; agreement: number; relativeCost: number; switches: number }; meanPerTrace: { relativeCost: number }; modelRelativeCost: number }[];
  best?: { name: string; relativeCost: number; modelRelativeCost: number; loss: number };
}

function markdown(out: { date: string; host: string; candidates: unknown[]; studies: Study[] }): string {
  const f = (v: number, d = 2) => v.toFixed(d);
  const lines = [
    '# Adaptation strategies — har-cnn on the 9 UCI-HAR test-subject traces',
    '',
    `${out.date}, ${out.host}, 1 thread. ${out.candidates.length} candidate configurations by a per-family rule (bench only, no tuner),`,
    'measured on the training set; calibration (one temperature per configuration) on the training set; traces = test subjects.',
    'Measured cost = 1 / the speedup the runtime measured over the exact configuration (all configurations in interleaved',
    'rounds in one process, CPU time of the inference thread; README, "How speed is measured").',
    'Cost model = FLOPs / nominal knob speedup (src/core/DESIGN.md §3).',
  ];
  for (const s of out.studies) {
    lines.push('', s.costs === 'measured'
      ? '## Ladder and strategies by measured host costs'
      : '## Ladder and strategies by the cost model (the strategies see nominal costs; both costs are reported)', '',
    '| configuration | ms/sample | relative cost (measured) | cost model | test accuracy % | T | ECE before → after |',
    '|---|---|---|---|---|---|---|',
    ...s.ladder.map((c) => `| ${c.name} | ${f(c.latencyMsPerSample, 4)} | ${f(c.relativeCost, 3)} | ${f(c.modelRelativeCost, 3)} | ${f(c.testAccuracy)} | ${f(c.temperature, 3)} | ${f(c.eceBefore, 4)} → ${f(c.eceAfter, 4)} |`),
    '',
    '| strategy | accuracy % | loss (points) | agreement % | relative cost (measured) | per-trace mean | cost model | switches |',
    '|---|---|---|---|---|---|---|---|',
    ...s.strategies.map((r) => `| ${r.name} | ${f(r.pooled.accuracy)} | ${f(r.pooled.loss)} | ${f(r.pooled.agreement)} | ${f(r.pooled.relativeCost, 3)} | ${f(r.meanPerTrace.relativeCost, 3)} | ${f(r.modelRelativeCost, 3)} | ${r.pooled.switches} |`),
    '',
    s.best
      ? `Cheapest adaptive strategy within 1 point: ${s.best.name}, loss ${f(s.best.loss)}, relative cost ${f(s.best.relativeCost, 3)} measured / ${f(s.best.modelRelativeCost, 3)} by the cost model (target ≤ 0.70; paper 0.854 at 2 points).`
      : 'No adaptive strategy stays within 1 point.');
  }
  lines.push('', 'On an x86 host, fp16 knobs round through binary16 in software (src/core/DESIGN.md §2), so they cost more than the',
    'exact configuration here, while the cost model assumes ARMv8.2 half-precision hardware; and the fastest fp32 knob',
    '(stride-2 perforation of every convolution) leaves the dense layer, pooling and per-inference overhead untouched.',
    'Host timings of this 0.03–0.09 ms model also move with the load of the shared machine between runs.');
  return lines.join('\n') + '\n';
}

main().catch((e) => {
  process.stderr.write(`bench:adapt: ${e instanceof Error ? e.stack : e}\n`);
  process.exitCode = 1;
});
