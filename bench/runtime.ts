/**
 * npm run bench:runtime — exact-mode latency of the native runtime against onnxruntime-node (a baseline
 * only), and, for resnet20, the measured per-layer speedup of each knob family against the cost model.
 * Both engines run in the same session, interleaved, so that machine noise hits them alike; every figure
 * is a ratio against a baseline measured in the same run. Writes bench/results/runtime.{json,md}.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { compileModel } from '../src/core/compile';
import { readNpy, writeNpy } from '../src/core/data/npy';
import { NdArray } from '../src/core/data/ndarray';
import { preprocess } from '../src/core/data/preprocess';
import { nominalSpeedup } from '../src/core/knobs/catalog';
import { Configuration, exactConfiguration, formatHpvm } from '../src/core/knobs/configuration';
import { runModel } from '../src/core/runtime/mpxrun';
import { writeFileAtomic } from '../src/core/fsutil';

const shared = path.resolve(__dirname, '../../../shared');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

interface Case { model: string; file: string; input: NdArray<Float32Array>; samples: number }

function loadCases(): Case[] {
  const har = readNpy(path.join(shared, 'datasets/uci-har/test_x.npy'));
  const cifar = readNpy(path.join(shared, 'datasets/cifar10/test_x.npy'));
  const take = (a: NdArray, n: number): NdArray => {
    const per = a.data.length / a.shape[0];
    return { ...a, shape: [n, ...a.shape.slice(1)], data: a.data.slice(0, n * per) } as NdArray;
  };
  return [
    { model: 'har-cnn', file: 'models/har-cnn.onnx', input: preprocess(take(har, 256), { standardize: true }), samples: 256 },
    {
      model: 'resnet20', file: 'models/resnet20_cifar10.onnx', samples: 128,
      input: preprocess(take(cifar, 128), {
        nhwc: true, scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225],
      }),
    },
  ];
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

/** Milliseconds per sample of onnxruntime over the whole input, in batches, after one warm-up pass. */
async function ortLatency(session: ort.InferenceSession, x: NdArray<Float32Array>, batch: number): Promise<number> {
  const per = x.data.length / x.shape[0];
  const feeds = [];
  for (let s = 0; s + batch <= x.shape[0]; s += batch) {
    feeds.push({ [session.inputNames[0]]: new ort.Tensor('float32', x.data.subarray(s * per, (s + batch) * per), [batch, ...x.shape.slice(1)]) });
  }
  for (const f of feeds) await session.run(f);
  const t0 = process.hrtime.bigint();
  for (const f of feeds) await session.run(f);
  return Number(process.hrtime.bigint() - t0) / 1e6 / (feeds.length * batch);
}

async function main(): Promise<void> {
  if (!fs.existsSync(shared)) {
    console.log(`bench:runtime needs ../shared (models and data), not found at ${shared}.`);
    return;
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-bench-'));
  const latency: Record<string, unknown>[] = [];
  const knobRows: Record<string, unknown>[] = [];
  try {
    for (const c of loadCases()) {
      const onnx = fs.readFileSync(path.join(shared, c.file));
      const compiled = compileModel(onnx, { name: c.model });
      const mpxm = path.join(work, `${c.model}.mpxm`);
      fs.writeFileSync(mpxm, compiled.mpxm);
      const input = path.join(work, `${c.model}.npy`);
      writeNpy(input, c.input);
      for (const threads of [1, 2]) {
        const session = await ort.InferenceSession.create(onnx, {
          intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
        });
        for (const batch of [1, 32]) {
          const ortMs: number[] = [];
          const ourMs: number[] = [];
          for (let r = 0; r < ROUNDS; r++) {
            ortMs.push(await ortLatency(session, c.input, batch));
            const ours = await runModel(mpxm, input, { threads, batch, warmup: 2, limit: Math.floor(c.samples / batch) * batch, timing: true });
            // onnxruntime is timed on the wall clock here: compare like with like.
            ourMs.push(ours.timing!.wallMsPerSample.estimate);
          }
          const row = {
            model: c.model, batch, threads,
            onnxruntimeMsPerSample: median(ortMs), mobiproxMsPerSample: median(ourMs),
            ratio: median(ourMs) / median(ortMs),
          };
          latency.push(row);
          console.log(JSON.stringify(row));
        }
        await session.release();
      }
      if (c.model === 'resnet20') knobRows.push(...(await knobFamilies(compiled, mpxm, input, work)));
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  const out = path.resolve(__dirname, '../../bench/results');
  const meta = { date: new Date().toISOString(), cpus: os.cpus().length, cpu: os.cpus()[0]?.model, rounds: ROUNDS };
  writeFileAtomic(path.join(out, 'runtime.json'), JSON.stringify({ meta, latency, knobs: knobRows }, null, 2) + '\n');
  writeFileAtomic(path.join(out, 'runtime.md'), markdown(meta, latency, knobRows));
  console.log('\n' + markdown(meta, latency, knobRows));
}

const FAMILIES: [string, number][] = [
  ['fp16', 12], ['perf rows s2', 123], ['perf cols s2', 121], ['perf rows s3', 128], ['samp s2', 231],
  ['samp s3', 233], ['perf_fp16 rows s2', 153], ['samp_fp16 s2', 261],
];

/** Every convolution takes the family's knob at once; per-op times against the exact run give per-layer speedups. */
async function knobFamilies(
  compiled: ReturnType<typeof compileModel>, mpxm: string, input: string, work: string,
): Promise<Record<string, unknown>[]> {
  const convs = compiled.layers.filter((l) => l.op === 'conv' || l.op === 'group_conv');
  const configs: Configuration[] = [exactConfiguration(compiled.layers.map((l) => l.slots.map((s) => s.op)))];
  for (const [name, knob] of FAMILIES) {
    const c = exactConfiguration(compiled.layers.map((l) => l.slots.map((s) => s.op)));
    c.name = name.replace(/\s+/g, '_');
    compiled.layers.forEach((l, i) => {
      if ((l.op === 'conv' || l.op === 'group_conv') && l.knobs.includes(knob)) c.layers[i][0].knob = knob;
    });
    configs.push(c);
  }
  const file = path.join(work, 'families.txt');
  fs.writeFileSync(file, formatHpvm({ baselineTime: 0, configurations: configs }));
  const opMs = async (index: number) => {
    const times: Map<string, number>[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const run = await runModel(mpxm, input, { configs: file, config: index, threads: 1, batch: 32, warmup: 1, opTimes: true, limit: 64 });
      times.push(new Map((run.opTimes ?? []).map((o) => [o.name, o.ms])));
    }
    return (name: string) => median(times.map((t) => t.get(name) ?? NaN));
  };
  const exact = await opMs(0);
  const rows: Record<string, unknown>[] = [];
  for (let f = 0; f < FAMILIES.length; f++) {
    const timed = await opMs(f + 1);
    const ratios: number[] = [];
    for (const l of convs) {
      if (!l.knobs.includes(FAMILIES[f][1])) continue;
      ratios.push(exact(l.name) / timed(l.name) / nominalSpeedup(FAMILIES[f][1]));
    }
    const row = {
      family: FAMILIES[f][0], knob: FAMILIES[f][1], nominal: nominalSpeedup(FAMILIES[f][1]), layers: ratios.length,
      meanMeasuredOverNominal: ratios.reduce((a, b) => a + b, 0) / ratios.length,
      minMeasuredOverNominal: Math.min(...ratios),
    };
    rows.push(row);
    console.log(JSON.stringify(row));
  }
  return rows;
}

function markdown(meta: Record<string, unknown>, latency: Record<string, unknown>[], knobs: Record<string, unknown>[]): string {
  const f = (v: unknown, d = 4) => (typeof v === 'number' ? v.toFixed(d) : String(v));
  const lines = [
    `# Runtime benchmark (${meta.date}, ${meta.cpus} × ${meta.cpu}, median of ${meta.rounds} interleaved rounds)`,
    '',
    'onnxruntime-node is timed from Node (its binding overhead included); Mobiprox inside `mpxrun`.',
    '',
    '| model | batch | threads | onnxruntime ms/sample | mobiprox exact ms/sample | ratio (≤ 1.0 is faster) |',
    '|---|---|---|---|---|---|',
    ...latency.map((r) => `| ${r.model} | ${r.batch} | ${r.threads} | ${f(r.onnxruntimeMsPerSample)} | ${f(r.mobiproxMsPerSample)} | ${f(r.ratio, 3)} |`),
    '',
    '## resnet20: measured per-layer speedup over the cost model (1 thread, batch 32)',
    '',
    '| knob family | id | nominal | conv layers | mean measured/nominal | min measured/nominal |',
    '|---|---|---|---|---|---|',
    ...knobs.map((r) => `| ${r.family} | ${r.knob} | ${f(r.nominal, 2)} | ${r.layers} | ${f(r.meanMeasuredOverNominal, 3)} | ${f(r.minMeasuredOverNominal, 3)} |`),
    '',
  ];
  return lines.join('\n');
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
