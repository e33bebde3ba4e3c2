/**
 * The ARM device runtimes under qemu-user: native-runtime cross-built -static for arm64-v8a and armeabi-v7a
 * (toolchain/cmake, tests on) into build/arm-test/<abi>, then run with each kernel level forced in turn
 * (MPX_PORTABLE_KERNELS=0: the NEON kernels; =1: the portable ones):
 * - the C tests test_kernels and test_runtime and `mpxrun info` (which must name the level) on qemu's max
 *   CPU, and the NEON level again on an older core without the later extensions (cortex-a53: ARMv8.0, no
 *   FP16 arithmetic; cortex-a9: no VFPv4), where an instruction beyond the ABI's baseline would trap (the
 *   portable level is compiled for the same baseline; it takes minutes under qemu);
 * - whole models (the bundled HAR model on its data, the KWS model, resnet20 from ../shared) under
 *   configurations of every knob family, whose outputs must match the host runtime's: bit for bit on arm64
 *   when the host's kernels fuse their multiply-adds too (avx2, avx512), within a tolerance on ARMv7; int8
 *   (scales from the host's `mpxrun calibrate`) the same way: its convolutions are exact everywhere, the
 *   models' other float32 layers are not on ARMv7.
 * qemu executes the code but its timing means nothing, so nothing here is timed (README: measuring on a phone).
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CompiledModel, compileModel } from '../src/core/compile';
import { readNpy, writeNpy } from '../src/core/data/npy';
import { locateMpxrun } from '../src/core/runtime/mpxrun';
import { REPO_ROOT, SHARED, requireRuntime, requireShared } from './support/engine';
import { decodeKnob, knobName } from './support/knobReference';
import { Random } from './support/random';
import { requireTools } from './support/requirements';

interface Abi { abi: string; triple: string; qemu: string; older: string }
const ABIS: Abi[] = [
  { abi: 'arm64-v8a', triple: 'aarch64-linux-gnu', qemu: 'qemu-aarch64-static', older: 'cortex-a53' },
  { abi: 'armeabi-v7a', triple: 'arm-linux-gnueabihf', qemu: 'qemu-arm-static', older: 'cortex-a9' },
];
const LEVELS = [
  { name: 'neon', env: '0' },
  { name: 'portable', env: '1' },
];
const BUILD = path.join(REPO_ROOT, 'build/arm-test');
const MODELS = path.join(BUILD, 'test-models');

function buildDir(a: Abi): string {
  return path.join(BUILD, a.abi);
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, cwd = REPO_ROOT) {
  const r = spawnSync(cmd, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 256 << 20 });
  const output = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.trim();
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}):\n${output.slice(-6000)}`);
  return r.stdout;
}

/** Runs an ARM program under qemu as the CPU `cpu`, with the kernel level forced (and test_kernels' subset). */
function emulate(a: Abi, cpu: string, level: string, program: string, args: string[], subset = 1): string {
  return run(a.qemu, ['-cpu', cpu, path.join(buildDir(a), program), ...args], { MPX_PORTABLE_KERNELS: level, MPX_TEST_SUBSET: String(subset) });
}

function crossBuild(a: Abi): void {
  const toolchain = path.join(REPO_ROOT, `toolchain/cmake/${a.triple}.cmake`);
  run('cmake', ['-S', path.join(REPO_ROOT, 'native-runtime'), '-B', buildDir(a), '-DCMAKE_BUILD_TYPE=Release',
    `-DCMAKE_TOOLCHAIN_FILE=${toolchain}`, '-DMPX_JNI=OFF', '-DMPX_TESTS=ON']);
  run('cmake', ['--build', buildDir(a), '--target', 'test_kernels', 'test_runtime', 'mpxrun', '-j1']);
}

/** A model, its input and labels, and configurations of every knob family its layers take. */
interface ModelCase { name: string; model: CompiledModel; mpxm: string; input: string; labels: string; configs: string; names: string[] }

/** Knob of the first slot of each layer that takes it, the other slots `rest`. */
const CONFIGS: { name: string; main: number; rest: number }[] = [
  { name: 'exact', main: 11, rest: 11 },
  { name: 'fp16', main: 12, rest: 12 },
  { name: 'perf-cols-s2', main: 121, rest: 11 },
  { name: 'perf-rows-s3', main: 128, rest: 12 },
  { name: 'samp-s2', main: 231, rest: 11 },
  { name: 'perf-fp16', main: 153, rest: 12 },
  { name: 'samp-fp16', main: 265, rest: 12 },
  { name: 'int8', main: 311, rest: 11 },
  { name: 'perf-int8', main: 323, rest: 11 },
];
const HALF = new Set(['fp16', 'perf-rows-s3', 'perf-fp16', 'samp-fp16']);

/** `quant`: the q= token of each calibrated layer's int8 knobs, by layer index. */
function configurationText(model: CompiledModel, quant: Map<number, string>): string {
  const out = ['0.0'];
  for (const c of CONFIGS) {
    out.push('+++++', `${c.name} 1.0 1.0 0.0 0.0`);
    for (const layer of model.layers) {
      const slots = layer.slots.map((s, i) => {
        const k = i === 0 && layer.knobs.includes(c.main) && (!decodeKnob(c.main).int8 || quant.has(layer.index)) ? c.main : c.rest;
        return `${s.op} ${knobName(k)} ${k}${decodeKnob(k).int8 ? ` ${quant.get(layer.index)}` : ''}`;
      });
      out.push(`${layer.index} gpu ${slots.join(' ')}`);
    }
    out.push('-----');
  }
  return out.join('\n') + '\n';
}

function modelCase(name: string, onnx: string, samples: number, data?: { x: string; y: string }): ModelCase {
  const dir = path.join(BUILD, 'models', name);
  fs.mkdirSync(dir, { recursive: true });
  const model = compileModel(onnx, { name });
  const mpxm = path.join(dir, `${name}.mpxm`);
  fs.writeFileSync(mpxm, model.mpxm);
  let input = data?.x;
  let labels = data?.y;
  if (!input || !labels) {
    const r = new Random(14);
    const perSample = model.inputShape.reduce((p, d) => p * d, 1);
    input = path.join(dir, 'x.npy');
    labels = path.join(dir, 'y.npy');
    writeNpy(input, { dtype: 'float32', shape: [samples, ...model.inputShape], data: r.normals(samples * perSample) });
    writeNpy(labels, { dtype: 'int32', shape: [samples], data: new Int32Array(samples) });
  }
  const calibration = JSON.parse(run(locateMpxrun(), ['calibrate', mpxm, '--input', input, '--limit', String(samples)])) as {
    layers: { layer: number; q: string }[];
  };
  const configs = path.join(dir, 'configs.txt');
  fs.writeFileSync(configs, configurationText(model, new Map(calibration.layers.map((l) => [l.layer, l.q]))));
  return { name, model, mpxm, input, labels, configs, names: CONFIGS.map((c) => c.name) };
}

/** Every configuration's outputs on the first `samples` samples, one array per configuration. */
function profileOutputs(command: string[], m: ModelCase, samples: number, outDir: string, env: NodeJS.ProcessEnv = {}): Float32Array[] {
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  run(command[0], [...command.slice(1), 'profile', m.mpxm, '--input', m.input, '--labels', m.labels, '--configs', m.configs,
    '--timed', 'none', '--limit', String(samples), '--batch', '8', '--threads', '2', '--save-outputs-dir', outDir], env);
  return m.names.map((_, i) => {
    const saved = readNpy(path.join(outDir, `${i}.npy`));
    assert.ok(saved.data instanceof Float32Array, `${outDir}/${i}.npy holds ${saved.dtype}`);
    return saved.data;
  });
}

/** The largest difference relative to the largest host output, per configuration. */
function relativeDifference(got: Float32Array, want: Float32Array): number {
  assert.equal(got.length, want.length);
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    scale = Math.max(scale, Math.abs(want[i]));
    worst = Math.max(worst, Number.isNaN(got[i]) !== Number.isNaN(want[i]) ? Infinity : Math.abs(got[i] - want[i]));
  }
  return worst / Math.max(scale, 1e-30);
}

/**
 * Relative to the largest host output. fp32: the same products and sums in the same order as on the host,
 * ARMv7's VMLA rounding each product first (seen: up to 6e-7 on resnet20); fp16: a sum that ARMv7 rounds
 * differently near a binary16 tie carries through the layers (seen: up to 5e-4).
 */
const TOLERANCE = { fp32: 1e-5, fp16: 1e-2 };

describe('ARM device runtimes under qemu: kernels, levels and whole models', function () {
  this.timeout(1_800_000);

  before(function () {
    requireTools(this, 'cmake', 'python3', ...ABIS.flatMap((a) => [a.qemu, `${a.triple}-gcc`]));
    fs.mkdirSync(BUILD, { recursive: true });
    for (const a of ABIS) crossBuild(a);
    run('python3', [path.join(REPO_ROOT, 'native-runtime/test/make_test_model.py'), MODELS]);
  });

  for (const a of ABIS) {
    for (const [cpu, level] of [['max', LEVELS[0]], ['max', LEVELS[1]], [a.older, LEVELS[0]]] as const) {
      it(`${a.abi} on ${cpu}, ${level.name} kernels: mpxrun info names them, test_kernels and test_runtime pass`, function () {
        const info = JSON.parse(emulate(a, cpu, level.env, 'mpxrun', ['info', path.join(MODELS, 'cnn.mpxm')])) as {
          kernels: string; int8Kernels: string;
        };
        assert.equal(info.kernels, level.name);
        // SDOT where ARMv8.2's dot product is (qemu's max CPU has it, the Cortex-A53 does not)
        assert.equal(info.int8Kernels, a.abi === 'arm64-v8a' && cpu === 'max' && level.name === 'neon' ? 'neon-dotprod' : 'portable');
        for (const program of ['test_kernels', 'test_runtime']) {
          // The whole convolution matrix on the NEON level of the max CPU; a third of it (every knob, every third
          // geometry) on the others, which share its code: minutes saved per level under qemu.
          const subset = cpu === 'max' && level.name === 'neon' ? 1 : 3;
          const out = emulate(a, cpu, level.env, program, program === 'test_runtime' ? [MODELS] : [], subset);
          const counts = /(\d+) passed, (\d+) failed/.exec(out);
          assert.ok(counts && counts[2] === '0', `${program}: ${out.slice(-2000)}`);
          console.log(`      ${a.abi} ${cpu} ${level.name}: ${program} ${counts[1]} checks passed`);
        }
      });
    }
  }

  describe('whole models against the host runtime', function () {
    const cases: { name: string; make: () => ModelCase; samples: number; shared?: string }[] = [
      {
        name: 'har-mobiprox (bundled, on its data)', samples: 64,
        make: () => modelCase('har', path.join(REPO_ROOT, 'media/models/har-mobiprox.onnx'), 64,
          { x: path.join(REPO_ROOT, 'media/data/har-test-x.npy'), y: path.join(REPO_ROOT, 'media/data/har-test-y.npy') }),
      },
      { name: 'kws-mobiprox', samples: 16, make: () => modelCase('kws', path.join(REPO_ROOT, 'media/models/kws-mobiprox.onnx'), 16) },
      {
        name: 'resnet20', samples: 8, shared: 'models/resnet20_cifar10.onnx',
        make: () => modelCase('resnet20', path.join(SHARED, 'models/resnet20_cifar10.onnx'), 8),
      },
    ];
    for (const c of cases) {
      it(`${c.name}: every configuration on each ABI and level within tolerance of the host`, function () {
        requireRuntime(this);
        if (c.shared) requireShared(this, c.shared);
        const m = c.make();
        const dir = path.dirname(m.mpxm);
        const host = profileOutputs([locateMpxrun()], m, c.samples, path.join(dir, 'host'));
        const hostKernels = (JSON.parse(run(locateMpxrun(), ['info', m.mpxm])) as { kernels: string }).kernels;
        for (const a of ABIS) {
          for (const level of LEVELS) {
            const arm = profileOutputs([a.qemu, '-cpu', 'max', path.join(buildDir(a), 'mpxrun')], m, c.samples,
              path.join(dir, `${a.abi}-${level.name}`), { MPX_PORTABLE_KERNELS: level.env });
            const report = m.names.map((name, i) => {
              const d = relativeDifference(arm[i], host[i]);
              const sameSums = a.abi === 'arm64-v8a' && ['avx2', 'avx512'].includes(hostKernels);
              const tol = sameSums ? 0 : HALF.has(name) ? TOLERANCE.fp16 : TOLERANCE.fp32;
              assert.ok(d <= tol, `${c.name} ${a.abi} ${level.name} ${name}: relative difference ${d} > ${tol}`);
              return `${name} ${d.toExponential(1)}`;
            });
            console.log(`      ${a.abi} ${level.name}: ${report.join(', ')}`);
          }
        }
      });
    }
  });
});

