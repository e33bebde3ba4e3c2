/**
 * npm run bench:runtime — exact-mode speed of the native runtime against onnxruntime (a baseline only), and,
 * for resnet20, the measured per-layer speedup of each knob family against the cost model.
 *
 * Latency: each model at batch 1 and 32 on one thread, Mobiprox (`mpxrun run`, timed by the runtime's own
 * method, mpx_measure) against onnxruntime through its C API (`ortbench`, native-runtime/tools/ortbench.c,
 * loading the libonnxruntime.so.1 that onnxruntime-node ships; no language binding in the way). Each run is
 * a process of its own; the two alternate for BENCH_ROUNDS rounds (default 5; which goes first alternates
 * too). Each run reports its median over timed units of ≥ 5 ms of the calling thread's CPU time per sample:
 * with one thread both engines infer on the calling thread only, so CPU time counts their work and not the
 * time a busy machine preempts them. A row holds the median of each side's runs and their ratio; the CPU is
 * named.
 * Knob families: every family on every convolution, measured together with the exact configuration by
 * `mpxrun measure --op-times` (rounds interleaved in one process, each op's speedup paired by round; the int8
 * ones with the scales `mpxrun calibrate` finds on 1000 other images).
 * int8 beside onnxruntime's int8: resnet20 quantised by onnxruntime's own tools (bench/ort_int8.py: static QDQ,
 * per-channel weights, MinMax calibration on the same 1000 images), top-1 accuracy of both on 2000 images
 * and speed alternated as above. Writes bench/results/runtime.{json,md}.
 */
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compileModel } from '../src/core/compile';
import { readNpy, writeNpy } from '../src/core/data/npy';
import { NdArray } from '../src/core/data/ndarray';
import { preprocess } from '../src/core/data/preprocess';
import { signalImages } from '../src/core/data/signalImage';
import { INT8_KNOB, knob as knobOf, nominalSpeedup } from '../src/core/knobs/catalog';
import { Configuration, Quant, exactConfiguration, formatHpvm } from '../src/core/knobs/configuration';
import { MIN_LAYER_GAIN } from '../src/core/tuner/costModel';
import { quantByLayer } from '../src/core/tuner/int8Calibration';
import { Interval, calibrateModel, measureModel, runModel } from '../src/core/runtime/mpxrun';
import { writeFileAtomic } from '../src/core/fsutil';

const shared = path.resolve(__dirname, '../../../shared');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

/** file: the ONNX model's path. */
interface Case { model: string; file: string; input: NdArray<Float32Array>; samples: number }

/** Rows [from, from + n) of an array. */
const rows = (a: NdArray, from: number, n: number): NdArray => {
  const per = a.data.length / a.shape[0];
  return { ...a, shape: [n, ...a.shape.slice(1)], data: a.data.slice(from * per, (from + n) * per) } as NdArray;
};
const cifar = (from: number, n: number) => preprocess(rows(readNpy(path.join(shared, 'datasets/cifar10/test_x.npy')), from, n), {
  nhwc: true, scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225],
});

function loadCases(): Case[] {
  const har = readNpy(path.join(shared, 'datasets/uci-har/test_x.npy'));
  return [
    { model: 'har-cnn', file: path.join(shared, 'models/har-cnn.onnx'), input: preprocess(rows(har, 0, 256), { standardize: true }), samples: 256 },
    // the paper's HAR network: depthwise convolutions
    { model: 'mobilenetv2-har', file: path.resolve(__dirname, '../../media/models/mobilenetv2-har.onnx'), input: signalImages(rows(har, 0, 128)), samples: 128 },
    { model: 'resnet20', file: path.join(shared, 'models/resnet20_cifar10.onnx'), samples: 128, input: cifar(0, 128) },
  ];
}

/** The int8 calibration images (the last 1000 of the test file) and the accuracy images (the first 2000). */
function int8Data(work: string): { calib: string; evaluate: string; labels: string } {
  const files = { calib: path.join(work, 'calib.npy'), evaluate: path.join(work, 'eval.npy'), labels: path.join(work, 'labels.npy') };
  writeNpy(files.calib, cifar(9000, 1000));
  writeNpy(files.evaluate, cifar(0, 2000));
  const y = readNpy(path.join(shared, 'datasets/cifar10/test_y.npy'));
  writeNpy(files.labels, { dtype: 'int32', shape: [2000], data: Int32Array.from(y.data.slice(0, 2000), Number) } as NdArray);
  return files;
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** ortbench's JSON line (native-runtime/tools/ortbench.c). */
interface OrtTiming {
  version: string; batch: number; rounds: number; samplesPerUnit: number;
  cpuMsPerSample: Interval; wallMsPerSample: Interval; processCpuMsPerSample: Interval;
}

/** The libonnxruntime.so.1 of the installed onnxruntime-node (npm ci with ONNXRUNTIME_NODE_INSTALL=skip keeps it). */
function locateOnnxruntime(): string {
  const root = path.dirname(require.resolve('onnxruntime-node/package.json'));
  const bin = path.join(root, 'bin');
  const arch = process.arch;
  const dirs = fs.existsSync(bin) ? fs.readdirSync(bin).filter((d) => d.startsWith('napi-v')).sort().reverse() : [];
  for (const d of dirs) {
    const lib = path.join(bin, d, process.platform, arch, 'libonnxruntime.so.1');
    if (fs.existsSync(lib)) return lib;
  }
  throw new Error(`bench:runtime: libonnxruntime.so.1 not found under ${bin}/napi-v*/${process.platform}/${arch}/`
    + ' (npm ci installs it with onnxruntime-node)');
}

function locateOrtbench(): string {
  const file = path.resolve(__dirname, '../../build/host/ortbench');
  if (!fs.existsSync(file)) throw new Error(`bench:runtime: ${file} not found: build it with 'npm run build:native'`);
  return file;
}

function ortbench(exe: string, lib: string, onnx: string, input: string, batch: number, limit: number): Promise<OrtTiming> {
  const args = [onnx, '--ort', lib, '--input', input, '--batch', String(batch), '--limit', String(limit), '--rounds', '20'];
  return new Promise((resolve, reject) => {
    execFile(exe, args, { maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`ortbench ${args.join(' ')} failed: ${stderr.trim() || error.message}`));
      else resolve(JSON.parse(stdout) as OrtTiming);
    });
  });
}

async function main(): Promise<void> {
  if (!fs.existsSync(shared)) {
    console.log(`bench:runtime needs ../shared (models and data), not found at ${shared}.`);
    return;
  }
  const lib = locateOnnxruntime();
  const exe = locateOrtbench();
  const loadAverage = os.loadavg()[0];
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-bench-'));
  const latency: Record<string, unknown>[] = [];
  const knobRows: Record<string, unknown>[] = [];
  const int8Rows: Record<string, unknown>[] = [];
  let onnxruntime = '';
  let kernels = '';
  try {
    for (const c of loadCases()) {
      const onnxFile = c.file;
      const compiled = compileModel(fs.readFileSync(onnxFile), { name: c.model });
      const mpxm = path.join(work, `${c.model}.mpxm`);
      fs.writeFileSync(mpxm, compiled.mpxm);
      const input = path.join(work, `${c.model}.npy`);
      writeNpy(input, c.input);
      for (const batch of [1, 32]) {
        const limit = Math.floor(c.samples / batch) * batch;
        const ort: OrtTiming[] = [];
        const ours: { cpu: number; wall: number }[] = [];
        const runOrt = async () => ort.push(await ortbench(exe, lib, onnxFile, input, batch, limit));
        const runOurs = async () => {
          const timing = (await runModel(mpxm, input, { threads: 1, batch, warmup: 1, limit, timing: true })).timing!;
          kernels = timing.kernels;
          ours.push({ cpu: timing.cpuMsPerSample.estimate, wall: timing.wallMsPerSample.estimate });
        };
        for (let r = 0; r < ROUNDS; r++) {
          if (r % 2 === 0) { await runOrt(); await runOurs(); } else { await runOurs(); await runOrt(); }
        }
        onnxruntime = ort[0].version;
        const ortCpu = median(ort.map((t) => t.cpuMsPerSample.estimate));
        const ourCpu = median(ours.map((t) => t.cpu));
        const paired = ours.map((t, r) => t.cpu / ort[r].cpuMsPerSample.estimate);
        const row = {
          model: c.model, batch, threads: 1,
          onnxruntimeCpuMsPerSample: ortCpu, mobiproxCpuMsPerSample: ourCpu, ratio: ourCpu / ortCpu,
          roundRatioMin: Math.min(...paired), roundRatioMax: Math.max(...paired),
          onnxruntimeWallMsPerSample: median(ort.map((t) => t.wallMsPerSample.estimate)),
          // The process's CPU time beside the thread's: equal when onnxruntime runs on the calling thread alone.
          onnxruntimeProcessCpuMsPerSample: median(ort.map((t) => t.processCpuMsPerSample.estimate)),
          mobiproxWallMsPerSample: median(ours.map((t) => t.wall)),
          onnxruntimeRuns: ort.map((t) => t.cpuMsPerSample.estimate), mobiproxRuns: ours.map((t) => t.cpu),
        };
        latency.push(row);
        console.log(JSON.stringify(row));
      }
      if (c.model === 'resnet20') {
        const data = int8Data(work);
        const quant = await calibration(mpxm, data.calib);
        knobRows.push(...(await knobFamilies(compiled, mpxm, input, work, quant)));
        int8Rows.push(...(await int8AgainstOnnxruntime(compiled, mpxm, onnxFile, input, work, data, quant, exe, lib)));
      }
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  const out = path.resolve(__dirname, '../../bench/results');
  const meta = {
    date: new Date().toISOString(), cpus: os.cpus().length, cpu: os.cpus()[0]?.model, rounds: ROUNDS,
    loadAverage, onnxruntime, kernels,
  };
  const results = { meta, latency, knobs: knobRows, int8: int8Rows };
  writeFileAtomic(path.join(out, 'runtime.json'), JSON.stringify(results, null, 2) + '\n');
  writeFileAtomic(path.join(out, 'runtime.md'), markdown(results));
  console.log('\n' + markdown(results));
}

const FAMILIES: [string, number][] = [
  ['fp16', 12], ['perf rows s2', 123], ['perf cols s2', 121], ['perf rows s3', 128], ['samp s2', 231],
  ['samp s3', 233], ['perf_fp16 rows s2', 153], ['samp_fp16 s2', 261], ['int8', INT8_KNOB], ['perf_int8 rows s2', 323],
  ['perf_int8 cols s2', 321], ['samp_int8 s2', 341],
];

/** Per layer (1-based index), the quantisation `mpxrun calibrate` finds for its int8 knobs. */
async function calibration(mpxm: string, calib: string): Promise<Map<number, Quant>> {
  return quantByLayer(await calibrateModel(mpxm, calib, { batch: 32 }));
}

/** A configuration whose convolutions all take `knob` where it applies (with their calibrated quantisation). */
function everyConvolution(compiled: ReturnType<typeof compileModel>, name: string, knob: number, quant: Map<number, Quant>): Configuration {
  const c = exactConfiguration(compiled.layers.map((l) => l.slots.map((s) => s.op)));
  c.name = name.replace(/\s+/g, '_');
  compiled.layers.forEach((l, i) => {
    if ((l.op === 'conv' || l.op === 'group_conv') && l.knobs.includes(knob)) {
      c.layers[i][0] = knobOf(knob).int8 ? { op: l.slots[0].op, knob, quant: quant.get(l.index)! } : { op: l.slots[0].op, knob };
    }
  });
  return c;
}

/** Every convolution takes the family's knob at once; per-op times against the exact run give per-layer speedups. */
async function knobFamilies(
  compiled: ReturnType<typeof compileModel>, mpxm: string, input: string, work: string, quant: Map<number, Quant>,
): Promise<Record<string, unknown>[]> {
  const convs = compiled.layers.filter((l) => l.op === 'conv' || l.op === 'group_conv');
  const configs: Configuration[] = [
    exactConfiguration(compiled.layers.map((l) => l.slots.map((s) => s.op))),
    ...FAMILIES.map(([name, knob]) => everyConvolution(compiled, name, knob, quant)),
  ];
  const file = path.join(work, 'families.txt');
  fs.writeFileSync(file, formatHpvm({ baselineTime: 0, configurations: configs }));
  // One measurement of them all (mpx_measure): rounds interleave the configurations in one process, and each op's
  // speedup is the median over rounds of its time in the exact configuration over its time here, in the same round.
  const records = await measureModel(mpxm, input, file, {
    threads: 1, batch: 32, limit: 128, opTimes: true, timing: { minRounds: 40, minSeconds: 20, maxSeconds: 120 },
  });
  const rows: Record<string, unknown>[] = [];
  for (let f = 0; f < FAMILIES.length; f++) {
    const record = records.find((r) => r.index === f + 1);
    const opSpeedup = new Map((record?.opTimes ?? []).map((o) => [o.name, o.speedup.estimate]));
    const speedups: number[] = [];
    for (const l of convs) {
      if (l.knobs.includes(FAMILIES[f][1])) speedups.push(opSpeedup.get(l.name) ?? NaN);
    }
    const nominal = nominalSpeedup(FAMILIES[f][1]);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    // the layers where the tuner offers the knob (tuner/costModel.ts: it saves at least 2 % of the layer)
    const offered = speedups.filter((v) => 1 / v < MIN_LAYER_GAIN);
    const row = {
      family: FAMILIES[f][0], knob: FAMILIES[f][1], nominal, layers: speedups.length,
      meanSpeedup: mean(speedups), minSpeedup: Math.min(...speedups),
      meanMeasuredOverNominal: mean(speedups) / nominal, minMeasuredOverNominal: Math.min(...speedups) / nominal,
      offeredLayers: offered.length, meanOfferedOverNominal: offered.length ? mean(offered) / nominal : NaN,
      rounds: record?.timing.rounds,
    };
    rows.push(row);
    console.log(JSON.stringify(row));
  }
  return rows;
}

/**
 * resnet20 in int8 on every convolution, ours against onnxruntime's QDQ model (bench/ort_int8.py, run in the
 * Python environment of toolchain/python-env.sh): accuracy on the evaluation images, then speed alternated.
 */
async function int8AgainstOnnxruntime(
  compiled: ReturnType<typeof compileModel>, mpxm: string, onnxFile: string, input: string, work: string,
  data: { calib: string; evaluate: string; labels: string }, quant: Map<number, Quant>, exe: string, lib: string,
): Promise<Record<string, unknown>[]> {
  const python = execFileSync('bash', [path.resolve(__dirname, '../../toolchain/python-env.sh')], { encoding: 'utf8' }).trim();
  const qdq = path.join(work, 'resnet20.qdq.onnx');
  const ort = JSON.parse(execFileSync(python, [path.resolve(__dirname, '../../bench/ort_int8.py'), onnxFile, data.calib, data.evaluate, data.labels, qdq], {
    encoding: 'utf8', maxBuffer: 1 << 24,
  }).trim().split('\n').pop()!) as { onnxruntime: string; fp32Accuracy: number; int8Accuracy: number };
  const configs = path.join(work, 'int8.txt');
  const exact = exactConfiguration(compiled.layers.map((l) => l.slots.map((s) => s.op)));
  fs.writeFileSync(configs, formatHpvm({ baselineTime: 0, configurations: [exact, everyConvolution(compiled, 'int8', INT8_KNOB, quant)] }));
  const accuracy = async (config: number) => (await runModel(mpxm, data.evaluate, { labels: data.labels, configs, config, batch: 32, timing: false })).accuracy!;
  const accuracies = { onnxruntimeFp32Accuracy: ort.fp32Accuracy, onnxruntimeInt8Accuracy: ort.int8Accuracy, mobiproxFp32Accuracy: await accuracy(0), mobiproxInt8Accuracy: await accuracy(1) };
  const rows: Record<string, unknown>[] = [];
  for (const batch of [1, 32]) {
    const ortRuns: number[] = [];
    const ours: number[] = [];
    const runOrt = async () => ortRuns.push((await ortbench(exe, lib, qdq, input, batch, 128)).cpuMsPerSample.estimate);
    const runOurs = async () => ours.push((await runModel(mpxm, input, { configs, config: 1, threads: 1, batch, limit: 128, timing: true })).timing!.cpuMsPerSample.estimate);
    for (let r = 0; r < ROUNDS; r++) {
      if (r % 2 === 0) { await runOrt(); await runOurs(); } else { await runOurs(); await runOrt(); }
    }
    const row = {
      model: 'resnet20', batch, threads: 1, onnxruntimePython: ort.onnxruntime, ...accuracies,
      onnxruntimeInt8CpuMsPerSample: median(ortRuns), mobiproxInt8CpuMsPerSample: median(ours), ratio: median(ours) / median(ortRuns),
    };
    rows.push(row);
    console.log(JSON.stringify(row));
  }
  return rows;
}

function markdown(results: { meta: Record<string, unknown>; latency: Record<string, unknown>[]; knobs: Record<string, unknown>[]; int8: Record<string, unknown>[] }): string {
  const { meta, latency, knobs, int8 } = results;
  const f = (v: unknown, d = 4) => (typeof v === 'number' ? v.toFixed(d) : String(v));
  const lines = [
    `# Runtime benchmark (${meta.date}, ${meta.cpus} × ${meta.cpu}, median of ${meta.rounds} interleaved rounds)`,
    '',
    `Exact mode on one thread: Mobiprox (\`mpxrun run --threads 1\`, kernels ${meta.kernels}) against onnxruntime ${meta.onnxruntime}`
      + ' through its C API (`ortbench`: the libonnxruntime.so.1 of onnxruntime-node, intra-op 1, inter-op 1, sequential,'
      + ' all graph optimizations). The two run as separate processes, alternately (which goes first alternates too), on'
      + ' the same input file; each run times units of ≥ 5 ms in ≥ 20 rounds and reports its median CPU time per sample'
      + ' of the calling thread, the only one that infers on either side. A figure below is the median over the rounds of'
      + ' these per-run figures; ratio = Mobiprox / onnxruntime (≤ 1.0: Mobiprox is at least as fast); the last column'
      + ` gives the smallest and largest ratio of a single round. Load average when the bench started: ${f(meta.loadAverage, 2)}.`,
    '',
    '| model | batch | threads | onnxruntime (C API) CPU ms/sample | Mobiprox exact CPU ms/sample | ratio | ratio per round (min–max) |',
    '|---|---|---|---|---|---|---|',
    ...latency.map((r) => `| ${r.model} | ${r.batch} | ${r.threads} | ${f(r.onnxruntimeCpuMsPerSample)} | ${f(r.mobiproxCpuMsPerSample)}`
      + ` | ${f(r.ratio, 3)} | ${f(r.roundRatioMin, 3)}–${f(r.roundRatioMax, 3)} |`),
    '',
    '## resnet20: measured per-layer speedup over the cost model (1 thread, batch 32)',
    '',
    `Speedup of each convolution layer over its exact time: \`mpxrun measure --op-times\` of every family with the exact`
      + ` configuration, ${knobs[0]?.rounds ?? '?'} interleaved rounds in one process; a layer's speedup is the median over`
      + ' the rounds of its CPU time in the exact configuration over its time under the knob in the same round. The tuner does not'
      + ' offer a knob on a layer where it saves under 2 % of the layer\'s time (`mobiprox inspect --knob-times`); the last'
      + ' two columns count the layers where it is offered and average measured/nominal over them.',
    '',
    '| knob family | id | nominal | conv layers | mean speedup | min speedup | mean measured/nominal | min measured/nominal | layers offered | mean measured/nominal where offered |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...knobs.map((r) => `| ${r.family} | ${r.knob} | ${f(r.nominal, 2)} | ${r.layers} | ${f(r.meanSpeedup, 2)} | ${f(r.minSpeedup, 2)}`
      + ` | ${f(r.meanMeasuredOverNominal, 3)} | ${f(r.minMeasuredOverNominal, 3)} | ${r.offeredLayers} | ${f(r.meanOfferedOverNominal, 3)} |`),
    '',
    '## resnet20 int8 beside onnxruntime\'s int8 (1 thread)',
    '',
    'Mobiprox: knob 311 on every convolution, scales from `mpxrun calibrate` on images 9000–9999 of the CIFAR-10 test'
      + ' file. onnxruntime: `quantize_static` (QDQ, per-channel int8 weights, uint8 activations, MinMax) on the same'
      + ` images (onnxruntime ${int8[0]?.onnxruntimePython ?? '?'} for Python), timed through the C API as above. Accuracy: top-1 on images 0–1999.`,
    '',
    '| batch | onnxruntime fp32 / int8 accuracy % | Mobiprox fp32 / int8 accuracy % | onnxruntime int8 CPU ms/sample | Mobiprox int8 CPU ms/sample | ratio |',
    '|---|---|---|---|---|---|',
    ...int8.map((r) => `| ${r.batch} | ${f(r.onnxruntimeFp32Accuracy, 2)} / ${f(r.onnxruntimeInt8Accuracy, 2)} | ${f(r.mobiproxFp32Accuracy, 2)}`
      + ` / ${f(r.mobiproxInt8Accuracy, 2)} | ${f(r.onnxruntimeInt8CpuMsPerSample)} | ${f(r.mobiproxInt8CpuMsPerSample)} | ${f(r.ratio, 3)} |`),
    '',
  ];
  return lines.join('\n');
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
