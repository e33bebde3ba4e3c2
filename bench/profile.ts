/**
 * npm run bench:profile — the cost of profiling over adb: 20 configurations of har-cnn on the UCI-HAR
 * test set (the project's har-mobiprox on its demo slice when ../shared is absent), profiled on an x86_64
 * virtual device through the real adb server. Profiling overhead = wall time of profileOnDevice (device
 * choice, push, the remote run with per-sample records streamed and logged, clean-up) / Σ inference time
 * the runtime measured for the timed batches. Median over BENCH_ROUNDS rounds (default 3).
 * Writes bench/results/profile.{json,md}.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AdbServer } from '../src/core/device/adbServer';
import { findOnPath } from '../src/core/device/adbLocation';
import { configurationSetFor } from '../src/core/device/deviceMeasurements';
import { profileOnDevice } from '../src/core/device/profile';
import { startVirtualDevice } from '../src/core/device/virtual/virtualDevice';
import { writeFileAtomic } from '../src/core/fsutil';
import { prepareData } from '../src/core/runtime/prepare';
import { knobConfigurations, profileSubject } from '../test/support/profileFixture';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONFIGURATIONS = 20;
const BATCH = 1;
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

async function main(): Promise<void> {
  const adbBin = findOnPath('adb');
  if (!adbBin) throw new Error('bench:profile needs adb (toolchain/setup.sh installs it).');
  const subject = profileSubject();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-bench-profile-'));
  const data = prepareData({ model: subject.model, input: subject.input, labels: subject.labels, preprocessing: subject.preprocessing });
  const set = configurationSetFor(subject.model, data, knobConfigurations(data.model, CONFIGURATIONS));
  const adb = new AdbServer(adbBin, 15037 + (process.pid % 1000));
  await adb.start();
  const vd = await startVirtualDevice({ abi: 'x86_64', adb });
  const rounds: { wallMs: number; inferenceMs: number; remoteMs: number; overhead: number }[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const t0 = process.hrtime.bigint();
      const r = await profileOnDevice({ adb, serial: vd.serial, data, set, recordsFile: path.join(work, `round${round}.jsonl`), batch: BATCH });
      const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
      const inferenceMs = r.records.reduce((s, rec) => s + rec.latencyMsPerBatch.mean * rec.latencyMsPerBatch.count, 0);
      rounds.push({ wallMs, inferenceMs, remoteMs: r.remoteMs, overhead: wallMs / inferenceMs });
      console.log(`round ${round + 1}: wall ${wallMs.toFixed(0)} ms, inference ${inferenceMs.toFixed(0)} ms, overhead ${(wallMs / inferenceMs).toFixed(3)}`);
    }
  } finally {
    await vd.stop();
    await adb.kill();
    data.dispose();
    fs.rmSync(work, { recursive: true, force: true });
  }
  const overhead = median(rounds.map((r) => r.overhead));
  const result = {
    model: path.basename(subject.model), samples: data.samples, configurations: CONFIGURATIONS, batch: BATCH, device: 'virtual x86_64',
    host: `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores`, rounds, overhead, target: 1.2,
  };
  const dir = path.join(__dirname, '../../bench/results');
  writeFileAtomic(path.join(dir, 'profile.json'), JSON.stringify(result, null, 1) + '\n');
  const md = [
    '# Profiling overhead (npm run bench:profile)',
    '',
    `${CONFIGURATIONS} configurations of ${result.model} on ${data.samples} samples, batch ${BATCH}, per-sample records, on an x86_64 virtual device through the real adb server; ${result.host}.`,
    'Overhead = wall time of profileOnDevice (device choice, push of runtime, model and data, the remote run streaming and logging every record, clean-up) / Σ inference time measured by the runtime.',
    '',
    '| round | wall (ms) | remote mpxrun (ms) | Σ inference (ms) | overhead |',
    '|---|---|---|---|---|',
    ...rounds.map((r, i) => `| ${i + 1} | ${r.wallMs.toFixed(0)} | ${r.remoteMs.toFixed(0)} | ${r.inferenceMs.toFixed(0)} | ${r.overhead.toFixed(3)} |`),
    '',
    `**Median overhead: ${overhead.toFixed(3)}** (target ≤ 1.2).`,
    '',
  ].join('\n');
  writeFileAtomic(path.join(dir, 'profile.md'), md);
  console.log(`profiling overhead ${overhead.toFixed(3)} (target ≤ 1.2): bench/results/profile.{json,md}`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack ?? e.message : String(e));
  process.exitCode = 1;
});
