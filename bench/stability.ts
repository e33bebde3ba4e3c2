/**
 * npm run bench:stability — do the speed figures hold still on a busy machine? Starts two busy processes
 * (bounded in time, stopped at the end), then:
 *  1. resnet20 (exact and three approximate configurations) and har-cnn (exact and three) are measured five
 *     times each, every time by a fresh `mpxrun measure` (README, "How speed is measured"): per
 *     configuration the max/min of its five speedups (target ≤ 1.05);
 *  2. har-cnn's set is profiled on the x86_64 virtual device through the real adb server (the same runtime
 *     on the same CPU) between two host measurements, which bracket it in time (a shared machine drifts
 *     over minutes): per configuration the difference from their geometric mean (target ≤ 5 %);
 *  3. three tunings of the bundled HAR model with one seed: identical frontiers (the knob assignments) or
 *     not. The first calibrates the machine's cost model; each tuning has a cache of its own that holds
 *     only that calibration, so it profiles, searches, validates and measures everything again.
 * Writes bench/results/stability.{json,md}.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AdbServer } from '../src/core/device/adbServer';
import { findOnPath } from '../src/core/device/adbLocation';
import { configurationSetFor } from '../src/core/device/deviceMeasurements';
import { profileOnDevice } from '../src/core/device/profile';
import { startVirtualDevice } from '../src/virtualDevice/virtualDevice';
import { writeFileAtomic } from '../src/core/fsutil';
import { Configuration, exactConfiguration, formatHpvm } from '../src/core/knobs/configuration';
import { Preprocessing } from '../src/core/data/preprocess';
import { TimingRecord, measureModel } from '../src/core/runtime/mpxrun';
import { PreparedData, prepareData } from '../src/core/runtime/prepare';
import { tune } from '../src/core/tuner/tune';

const REPO = path.resolve(__dirname, '../..');
const SHARED = path.resolve(REPO, '../shared');
const RUNS = 5;
const BUSY_SECONDS = 1800;

/** Per configuration over the five runs: speedups, and the CPU and wall latencies each run estimated. */
interface Repeatability {
  model: string; config: string; speedups: number[]; intervals: [number, number][]; maxOverMin: number;
  cpuMs: number[]; wallMs: number[]; cpuSpread: number; wallSpread: number;
}

/** Per configuration: the two host speedups around the device profile, their geometric mean, the device's. */
interface Agreement { config: string; hostRuns: number[]; host: number; device: number; difference: number }

const spread = (v: number[]) => Math.max(...v) / Math.min(...v);

interface Subject { name: string; model: string; input: string; labels: string; preprocessing: Preprocessing; limit: number; knobs: [string, number, (op: string, l: number) => boolean][] }

const conv = (op: string) => op === 'conv' || op === 'group_conv';
const SUBJECTS: Subject[] = [
  {
    name: 'resnet20', model: path.join(SHARED, 'models/resnet20_cifar10.onnx'), input: path.join(SHARED, 'datasets/cifar10/test_x.npy'),
    labels: path.join(SHARED, 'datasets/cifar10/test_y.npy'), limit: 256,
    preprocessing: { nhwc: true, scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
    knobs: [['rows s2 (convs 8-19)', 121, (op, l) => conv(op) && l >= 8], ['sampling s2 (convs 2-19)', 231, (op, l) => conv(op) && l >= 2], ['fp16 (all convs)', 12, conv]],
  },
  {
    name: 'har-cnn', model: path.join(SHARED, 'models/har-cnn.onnx'), input: path.join(SHARED, 'datasets/uci-har/test_x.npy'),
    labels: path.join(SHARED, 'datasets/uci-har/test_y.npy'), limit: 512, preprocessing: { standardize: true },
    knobs: [['cols s2 (all convs)', 125, conv], ['sampling s2 (all convs)', 231, conv], ['fp16 (all convs)', 12, conv]],
  },
];

/** The exact configuration and one per knob, applied to the layers the rule picks (where the layer offers it). */
function configurations(data: PreparedData, s: Subject): Configuration[] {
  const layers = data.model.layers;
  const exact = exactConfiguration(layers.map((l) => l.slots.map((slot) => slot.op)));
  return [exact, ...s.knobs.map(([name, knob, pick], k) => {
    let convIndex = 0;
    const c: Configuration = { ...exact, name: `conf${k + 1}`, layers: exact.layers.map((slots) => slots.map((x) => ({ ...x }))) };
    layers.forEach((l, i) => {
      if (conv(l.op)) convIndex++;
      if (pick(l.op, convIndex) && l.knobs.includes(knob)) c.layers[i][0].knob = knob;
    });
    return { ...c, name: name.replace(/\W+/g, '_') };
  })];
}

function busy(): ChildProcess[] {
  const loop = `const end = Date.now() + ${BUSY_SECONDS * 1000}; let x = 0; while (Date.now() < end) x += Math.sqrt(x + 1);`;
  return [0, 1].map(() => spawn(process.execPath, ['-e', loop], { stdio: 'ignore' }));
}

async function main(): Promise<void> {
  if (!fs.existsSync(SHARED)) throw new Error(`${SHARED} is absent: bench:stability needs ../shared next to the checkout.`);
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const load = busy();
  const started = Date.now();
  const log = (m: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0)} s] ${m}\n`);
  const repeatability: Repeatability[] = [];
  const agreement: Agreement[] = [];
  let tunes: Tunes = { frontiers: [], speedups: [] };
  try {
    for (const s of SUBJECTS) {
      const data = prepareData({ model: s.model, input: s.input, labels: s.labels, limit: s.limit, preprocessing: s.preprocessing });
      try {
        const list = configurations(data, s);
        const file = path.join(data.workDir, 'stability.txt');
        fs.writeFileSync(file, formatHpvm({ baselineTime: 0, configurations: list }));
        const runs: TimingRecord[][] = [];
        for (let r = 0; r < RUNS; r++) {
          runs.push(await measureModel(data.mpxmPath, data.inputPath, file, { threads: 1, batch: 1 }));
          log(`${s.name} run ${r + 1}: ${runs[r].map((t) => t.timing.speedup.estimate.toFixed(3)).join(' ')} (${runs[r][0].timing.rounds} rounds)`);
        }
        list.forEach((c, k) => {
          const speedups = runs.map((run) => run[k].timing.speedup.estimate);
          const cpuMs = runs.map((run) => run[k].timing.cpuMsPerSample.estimate);
          const wallMs = runs.map((run) => run[k].timing.wallMsPerSample.estimate);
          repeatability.push({
            model: s.name, config: c.name, speedups, intervals: runs.map((run) => [run[k].timing.speedup.low, run[k].timing.speedup.high]),
            maxOverMin: spread(speedups), cpuMs, wallMs, cpuSpread: spread(cpuMs), wallSpread: spread(wallMs),
          });
        });
        if (s.name === 'har-cnn') agreement.push(...(await hostAgainstDevice(data, s, list, file)));
      } finally {
        data.dispose();
      }
    }
    tunes = await threeTunes(log);
  } finally {
    for (const p of load) p.kill();
  }
  const identical = tunes.frontiers.every((f) => JSON.stringify(f) === JSON.stringify(tunes.frontiers[0]));
  const out = { date: new Date().toISOString(), cpu, cores: os.cpus().length, busyProcesses: load.length, repeatability, agreement, ...tunes, identical };
  const dir = path.join(REPO, 'bench/results');
  fs.mkdirSync(dir, { recursive: true });
  writeFileAtomic(path.join(dir, 'stability.json'), JSON.stringify(out, null, 1) + '\n');
  writeFileAtomic(path.join(dir, 'stability.md'), markdown(out));
  process.stdout.write(markdown(out));
}

async function hostAgainstDevice(data: PreparedData, s: Subject, list: Configuration[], file: string): Promise<Agreement[]> {
  const adbBin = findOnPath('adb');
  if (!adbBin) throw new Error('bench:stability needs adb (toolchain/setup.sh installs it).');
  const measureHost = () => measureModel(data.mpxmPath, data.inputPath, file, { threads: 1, batch: 1 });
  const before = await measureHost();
  const adb = new AdbServer(adbBin, 16037 + (process.pid % 1000));
  await adb.start();
  const vd = await startVirtualDevice({ abi: 'x86_64', adb });
  try {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-stability-'));
    const r = await profileOnDevice({
      adb, serial: vd.serial, data, set: configurationSetFor(s.model, data, list.slice(1)), recordsFile: path.join(work, 'records.jsonl'), batch: 1, threads: 1,
    });
    fs.rmSync(work, { recursive: true, force: true });
    const after = await measureHost();
    return list.map((c, k) => {
      const hostRuns = [before[k], after[k]].map((t) => t.timing.speedup.estimate);
      const h = Math.sqrt(hostRuns[0] * hostRuns[1]);
      const d = r.set.configurations[k].device!.speedup;
      return { config: c.name, hostRuns, host: h, device: d, difference: Math.abs(d - h) / h };
    });
  } finally {
    await vd.stop();
    await adb.kill();
  }
}

/** Per tuning: each configuration's knobs (one string per configuration) and measured speedup. */
interface Tunes { frontiers: string[][]; speedups: number[][] }

async function threeTunes(log: (m: string) => void): Promise<Tunes> {
  const frontiers: string[][] = [];
  const speedups: number[][] = [];
  const calibration = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-stability-calibration-'));
  for (let run = 0; run < 3; run++) {
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-stability-tune-'));
    for (const f of fs.readdirSync(calibration)) fs.copyFileSync(path.join(calibration, f), path.join(cacheDir, f));
    try {
      const r = await tune({
        model: path.join(REPO, 'media/models/har-mobiprox.onnx'), input: path.join(REPO, 'media/data/har-test-x.npy'),
        labels: path.join(REPO, 'media/data/har-test-y.npy'), tuneSize: 300, testSize: 300, shuffleSeed: 7, cacheDir, threads: 1,
      });
      frontiers.push(r.set.configurations.map((c) => c.layers.map((slots) => slots.map((x) => x.knob).join('/')).join(' ')));
      log(`tune ${run + 1}: ${r.set.configurations.map((c) => `${c.name} ×${c.speedup.toFixed(3)} ${c.qosLoss.toFixed(2)} points`).join(', ')}`);
      speedups.push(r.set.configurations.map((c) => c.speedup));
      for (const f of fs.readdirSync(cacheDir).filter((f) => f.startsWith('cost'))) fs.copyFileSync(path.join(cacheDir, f), path.join(calibration, f));
    } finally {
      fs.rmSync(cacheDir, { recursive: true, force: true });
    }
  }
  fs.rmSync(calibration, { recursive: true, force: true });
  return { frontiers, speedups };
}

function markdown(out: {
  date: string; cpu: string; cores: number; busyProcesses: number; identical: boolean; frontiers: string[][]; speedups: number[][];
  repeatability: Repeatability[];
  agreement: Agreement[];
}): string {
  const lines = [
    '# Stability of the speed figures on a busy machine', '',
    `${out.date}, ${out.cpu} (${out.cores} cores), ${out.busyProcesses} busy processes running throughout; 1 thread, batch 1.`, '',
    `## Five measurements of each configuration (a fresh \`mpxrun measure\` each; target max/min ≤ 1.05)`, '',
    'Latency max/min over the five runs on each clock: the evidence for the CPU-time clock (README, "How speed is measured").', '',
    '| model | configuration | speedups | max/min | latency max/min, CPU clock | latency max/min, wall clock |', '|---|---|---|---|---|---|',
    ...out.repeatability.map((r) => `| ${r.model} | ${r.config} | ${r.speedups.map((v) => v.toFixed(3)).join(', ')} | ${r.maxOverMin.toFixed(3)} | ` +
      `${r.cpuSpread.toFixed(3)} | ${r.wallSpread.toFixed(3)} |`),
    '', '## Host against the x86_64 virtual device (same runtime, same CPU; target ≤ 5 %)', '',
    'The device profile runs between two host measurements; the host figure is their geometric mean.', '',
    '| configuration | host speedups (before, after) | host | device speedup | difference |', '|---|---|---|---|---|',
    ...out.agreement.map((a) => `| ${a.config} | ${a.hostRuns.map((v) => v.toFixed(3)).join(', ')} | ${a.host.toFixed(3)} | ` +
      `${a.device.toFixed(3)} | ${(100 * a.difference).toFixed(1)} % |`),
    '', `## Three tunings of the bundled HAR model, seed 7: frontiers ${out.identical ? 'identical' : 'DIFFER'}`, '',
    'The first tuning calibrates the cost model; each has a cache of its own holding only that calibration.', '',
    ...out.frontiers.map((f, i) => `${i + 1}. ${f.slice(1).map((c, k) => `\`${c}\` ×${out.speedups[i][k + 1].toFixed(3)}`).join('; ') || 'no approximate configuration'}`),
    '',
  ];
  return lines.join('\n');
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
