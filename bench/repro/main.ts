/**
 * npm run repro — the Mobiprox paper's experiments run by this product: every network of networks.ts is
 * tuned on the host, profiled on an x86_64 virtual device through the real adb server and, where it adapts,
 * calibrated and simulated under every strategy. Writes bench/report/ (README.md, SVG figures,
 * results.json) from scratch. REPRO_NETWORKS=har-cnn,mobilenetv2-har,resnet20,kws selects networks.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AdbServer } from '../../src/core/device/adbServer';
import { findOnPath } from '../../src/core/device/adbLocation';
import { startVirtualDevice } from '../../src/virtualDevice/virtualDevice';
import { writeFileAtomic } from '../../src/core/fsutil';
import { frontFigure, speedupFigure, timelineFigure } from './figures';
import { METHODS } from './intervals';
import { networks } from './networks';
import { NetworkRun, runNetwork } from './pipeline';
import { renderSvg } from './plots';
import { cheapestWithin, reportMarkdown } from './report';

const REPO = path.resolve(__dirname, '../../..');
const SHARED = path.resolve(REPO, '../shared');
const REPORT = path.join(REPO, 'bench/report');
const HAR_CLASSES = ['walking', 'upstairs', 'downstairs', 'sitting', 'standing', 'laying'];

async function main(): Promise<void> {
  if (!fs.existsSync(SHARED)) throw new Error(`npm run repro needs ${SHARED} (the shared models and data sets).`);
  const adbBin = findOnPath('adb');
  if (!adbBin) throw new Error('npm run repro needs adb: run bash toolchain/setup.sh.');
  const selected = process.env.REPRO_NETWORKS?.split(',');
  const started = Date.now();
  const log = (m: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0)} s] ${m}\n`);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-repro-'));
  const chosen = networks(SHARED, REPO, workDir).filter((n) => !selected || selected.includes(n.name));
  const adb = new AdbServer(adbBin, 16037 + (process.pid % 1000));
  await adb.start();
  const vd = await startVirtualDevice({ abi: 'x86_64', adb });
  const runs: NetworkRun[] = [];
  // A network that fails is reported as such; the others' results are kept.
  const failures: { title: string; error: string }[] = [];
  try {
    for (const net of chosen) {
      try {
        if (net.prepare) log(`${net.name}: building its data sets`), net.prepare();
        runs.push(await runNetwork(net, { adb, serial: vd.serial, workDir, log }));
      } catch (e) {
        const error = e instanceof Error ? e.message : String(e);
        log(`${net.name}: failed: ${error}`);
        failures.push({ title: net.title, error });
      }
    }
  } finally {
    await vd.stop();
    await adb.kill();
  }

  log('figures');
  const fresh = path.join(workDir, 'report');
  fs.mkdirSync(fresh, { recursive: true });
  const figures = [...runs.map(frontFigure), speedupFigure(runs)];
  const har = runs.find((r) => r.network.name === 'har-cnn' && r.strategies);
  const best = har && cheapestWithin(har.strategies!, 1);
  let timelineNote: string | undefined;
  if (har && best) {
    // The subject whose trace switches most under the chosen strategy shows the adaptation best.
    const busiest = best.results.reduce((b, r, i) => (r.switches > best.results[b].switches ? i : b), 0);
    figures.push(timelineFigure(har, best.name, busiest, HAR_CLASSES));
    timelineNote = `UCI-HAR test subject ${best.results[busiest].trace.split('/').pop()} under ${best.name}: the configuration index (0 = exact) ` +
      'over the trace, the true activity (right axis) and the wrong predictions.';
  }
  const files = await renderSvg(figures, fresh);
  const results = {
    date: new Date().toISOString(), host: `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores`, device: `virtual x86_64 (${vd.serial})`,
    intervals: METHODS,
    runs: runs.map((r) => ({
      network: r.network.name, tuneSeconds: r.tuneSeconds, tuneStats: r.tuneStats, profileSeconds: r.profileSeconds, remoteSeconds: r.remoteSeconds,
      configurations: r.set.configurations.map((c, k) => ({
        name: c.name, predicted: c.predicted, host: c.host, device: c.device, deviceIntervals: r.deviceIntervals?.[k], layers: c.layers,
      })),
      strategies: r.strategies?.map((s) => ({ name: s.name, spec: s.spec, pooled: s.pooled, meanPerTrace: s.meanPerTrace, intervals: s.intervals })),
    })),
  };
  writeFileAtomic(path.join(fresh, 'results.json'), JSON.stringify(results, null, 1) + '\n');
  const byName = (prefix: string) => files.find((f) => f.startsWith(prefix))!;
  writeFileAtomic(path.join(fresh, 'README.md'), reportMarkdown({
    date: results.date, host: results.host, device: 'an x86_64 virtual device', runs,
    figures: {
      fronts: Object.fromEntries(runs.map((r) => [r.network.name, byName(`front-${r.network.name}`)])),
      speedup: byName('speedup-vs-loss'), timeline: files.find((f) => f.startsWith('timeline-')),
    },
    timelineNote, failures,
  }));
  // The report is replaced whole, so that no figure of an earlier run survives beside the new text.
  fs.rmSync(REPORT, { recursive: true, force: true });
  fs.cpSync(fresh, REPORT, { recursive: true });
  fs.rmSync(workDir, { recursive: true, force: true });
  log(`wrote ${path.relative(REPO, REPORT)}/README.md`);
  if (failures.length > 0) process.exitCode = 1;
}

main().catch((e: unknown) => {
  process.stderr.write(`repro: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exitCode = 1;
});
