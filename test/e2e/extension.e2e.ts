import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { BrowserContext, chromium, ConsoleMessage, Frame, Locator, Page } from 'playwright-core';
import { compileModel } from '../../src/core/compile';
import { readNpy } from '../../src/core/data/npy';
import { readConfigurationSet } from '../../src/core/knobs/configurationSet';
import { CodeServer, freePort, installCodeServer, installExtension, startCodeServer, writeUserSettings } from './support/codeServer';
import { IMAGE_INPUT, IMAGE_LABELS, IMAGE_MODEL, writeImageModel } from './support/imageModel';
import { Workbench } from './support/workbench';

/**
 * The packaged extension in a real code-server, driven through Debian's Chromium as a user would: the
 * Mobiprox container, the .onnx overview editor, the Model view, the Open Model command, an import error,
 * then the main job: Tune Model on a small set (the fixture's settings keep it to seconds), the Pareto plot
 * of its result, a virtual device in the Devices view, and the generated adaptation code.
 * Needs build/vsix/mobiprox.vsix (npm run package), /usr/bin/chromium and adb (toolchain/setup.sh).
 */
const REPO = path.resolve(__dirname, '../../..');
const VSIX = path.join(REPO, 'build/vsix/mobiprox.vsix');
const FIXTURE = path.join(REPO, 'test/e2e/fixtures/workspace');
const ARTIFACTS = path.join(REPO, 'test-results/e2e');
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Points per series of the Pareto chart, read from the data plotly holds on the chart's element. */
async function paretoPoints(frame: Frame): Promise<Record<string, number>> {
  // A string, evaluated in the page (this file is compiled without the DOM's types).
  return frame.evaluate(`(() => {
    const counts = {};
    for (const t of document.getElementById('pareto-chart').data ?? []) {
      if (t.meta?.role === 'points' && t.meta.kind) counts[t.meta.kind] = t.x.length;
    }
    return counts;
  })()`);
}

/** The host series' points on the Pareto chart (traces are in the order of the chart's data, each tagged). */
async function hostPointsOf(frame: Frame): Promise<Locator> {
  const index = await frame.evaluate(`document.getElementById('pareto-chart').data.findIndex((t) => t.meta?.role === 'points' && t.meta.kind === 'host')`);
  assert.ok(Number(index) >= 0, 'the chart has a host series');
  return frame.locator('#pareto-chart .scatterlayer .trace').nth(Number(index)).locator('.point');
}

/**
 * The plot's points per series once they stop changing: after a reload the panel draws its restored state
 * first and the set's data when it arrives, so one read may find the chart between the two (seen on a
 * loaded machine). Polls for up to `timeoutMs`.
 */
async function settledParetoPoints(frame: Frame, timeoutMs = 30_000): Promise<Record<string, number>> {
  const deadline = Date.now() + timeoutMs;
  let last = await paretoPoints(frame);
  for (;;) {
    await new Promise((r) => setTimeout(r, 250));
    const now = await paretoPoints(frame);
    const settled = Object.keys(now).length > 0 && JSON.stringify(now) === JSON.stringify(last);
    if (settled || Date.now() > deadline) return now;
    last = now;
  }
}

/** Evaluated in the overview page (plotly keeps the layout on the chart's element). */
const CHART_IS_LOG_SCALE = "document.getElementById('flops-chart')?.layout?.yaxis?.type === 'log'";

/**
 * Polls `expression` in the page until it is true. Not `frame.waitForFunction`: Playwright evaluates its
 * predicate with `eval`, which the webview's Content Security Policy refuses once the policy is in force
 * (CI saw it after a reload); `frame.evaluate` of a string goes through the debugger protocol instead.
 */
async function waitInPage(frame: Frame, expression: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await frame.evaluate(expression))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${expression}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Scrolls a webview element into view. The model overview redraws whole when a message arrives (a data
 * preview, measured times), which detaches the element the locator had found: then it is looked up again.
 */
async function scrollTo(locator: Locator): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await locator.scrollIntoViewIfNeeded({ timeout: 15_000 });
    } catch (e) {
      if (attempt === 3 || !String(e).includes('not attached')) throw e;
    }
  }
}

const timings: [string, number][] = [];
async function timed<T>(what: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await work();
  timings.push([what, Date.now() - started]);
  return result;
}

describe('Mobiprox in code-server and Chromium (e2e)', function () {
  let tmp: string;
  let server: CodeServer | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  let workbench: Workbench;
  let workspace: string;
  /** The extension's own adb server, so that the test leaves the machine's (port 5037) alone. */
  let adbPort: number;
  const webviewProblems: string[] = [];
  const expectedLayers = compileModel(path.join(FIXTURE, 'har-mobiprox.onnx')).layers.length;

  const screenshot = (name: string): Promise<Buffer> => page.screenshot({ path: path.join(ARTIFACTS, name) });

  before(async function () {
    assert.ok(fs.existsSync(VSIX), `${VSIX} is missing: run npm run package first.`);
    assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: run bash toolchain/setup.sh first.`);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    // Screenshots of an earlier run would pass for this one's.
    for (const f of fs.readdirSync(ARTIFACTS)) if (f.endsWith('.png')) fs.rmSync(path.join(ARTIFACTS, f));
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-e2e-'));
    const dirs = {
      userData: path.join(tmp, 'user-data'),
      extensions: path.join(tmp, 'extensions'),
      config: path.join(tmp, 'config.yaml'),
      log: path.join(ARTIFACTS, 'code-server.log'),
    };
    fs.rmSync(dirs.log, { force: true });
    workspace = path.join(tmp, 'workspace');
    fs.cpSync(FIXTURE, workspace, { recursive: true, dereference: true });
    writeImageModel(workspace);

    const launcher = await timed('install code-server (cached after the first run)', async () => installCodeServer());
    await timed('install the .vsix', async () => installExtension(launcher, VSIX, dirs));
    writeUserSettings(dirs.userData);
    adbPort = await freePort();
    // A fresh tuning cache: the tuning runs (and shows its progress) rather than replaying an earlier run.
    const env = { ANDROID_ADB_SERVER_PORT: String(adbPort), MOBIPROX_CACHE: path.join(tmp, 'cache') };
    server = await timed('start code-server', () => startCodeServer(launcher, dirs, env));

    context = await chromium.launchPersistentContext(path.join(tmp, 'chromium'), {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      viewport: { width: 1440, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    const consoleLog = fs.createWriteStream(path.join(ARTIFACTS, 'browser-console.log'));
    page.on('console', (m: ConsoleMessage) => {
      if (m.type() !== 'error' && m.type() !== 'warning') return;
      const where = m.location().url;
      consoleLog.write(`${m.type()}: ${m.text()} (${where})\n`);
      // Violations of the webviews' CSP, or errors of their scripts, are failures of ours.
      if (m.type() === 'error' && /webview/.test(where)) webviewProblems.push(`${m.text()} (${where})`);
    });
    workbench = new Workbench(page);
    await timed('load the workbench', async () => {
      await page.goto(`${server!.url}/?folder=${encodeURIComponent(workspace)}`);
      await workbench.ready();
      // The explorer has read the workspace: the fixture files are listed.
      await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'har-mobiprox.onnx' }).waitFor();
    });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) {
      await screenshot(`failed-${this.currentTest.title.replace(/\W+/g, '-')}.png`).catch(() => undefined);
    }
  });

  after(async function () {
    await context?.close().catch(() => undefined);
    await server?.stop();
    if (adbPort) {
      try {
        execFileSync('adb', ['-P', String(adbPort), 'kill-server'], { stdio: 'ignore' });
      } catch {
        // No server was started on it.
      }
    }
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    if (timings.length) {
      console.log('\n  e2e timings');
      for (const [what, ms] of timings) console.log(`    ${what.padEnd(58)} ${(ms / 1000).toFixed(2)} s`);
    }
  });

  it('shows the Mobiprox container with its Model, Devices and Runs views', async () => {
    const item = workbench.activityBarItem('Mobiprox');
    await item.waitFor();
    await item.click();
    for (const view of ['Model', 'Devices', 'Runs']) await workbench.sideBarPane(view).waitFor();
    await workbench.sideBarPane('Devices').getByText('Android devices connected over adb will appear here').waitFor();
    await workbench.sideBarPane('Model').locator('.welcome-view-content').getByRole('button', { name: 'Open Model' }).waitFor();
    await screenshot('01-mobiprox-views.png');
  });

  it('opens har-mobiprox.onnx in the overview editor, with every layer in the table and the chart', async () => {
    const started = Date.now();
    await workbench.quickOpen('har-mobiprox.onnx');
    const frame = await workbench.webviewFrameWith('vscode-table-row');
    await frame.locator('vscode-table-row').nth(expectedLayers - 1).waitFor();
    timings.push(['open model (Quick Open) → layers table visible', Date.now() - started]);
    assert.equal(await frame.locator('vscode-table-body vscode-table-row').count(), expectedLayers);
    const firstRow = await frame.locator('vscode-table-row').first().locator('vscode-table-cell').allInnerTexts();
    assert.equal(firstRow[0], '1');
    await frame.locator('#flops-chart .bars .point').nth(expectedLayers - 1).waitFor({ state: 'attached' });
    timings.push(['open model (Quick Open) → FLOPs chart drawn', Date.now() - started]);
    assert.equal(await frame.locator('#flops-chart .bars .point').count(), expectedLayers);
    await screenshot('02-model-overview.png');
    assert.deepEqual(webviewProblems, []);
  });

  it('lists the same layers in the Model view, each with its knob options', async () => {
    const model = workbench.sideBarPane('Model');
    const layers = model.locator('.monaco-list-row[aria-level="1"]');
    await layers.nth(expectedLayers - 1).waitFor();
    assert.equal(await layers.count(), expectedLayers);
    const conv = layers.filter({ hasText: /^\d+ conv/ }).first();
    await conv.click();
    const knobs = model.locator('.monaco-list-row[aria-level="2"]');
    await knobs.first().waitFor();
    assert.match(await knobs.first().innerText(), /11 fp32/);
    assert.match(await model.locator('.monaco-list-row[aria-level="2"]', { hasText: '121 perf' }).innerText(), /×2\.00/);
    await screenshot('03-model-view.png');
  });

  it('measures the time of every layer from the overview, beside its FLOPs', async () => {
    await workbench.quickOpen('har-mobiprox.onnx');
    const frame = await workbench.webviewFrameWith('vscode-table-row');
    const started = Date.now();
    await frame.locator('vscode-button', { hasText: 'Measure Layer Times' }).click();
    const status = frame.locator('.times-status');
    await status.filter({ hasText: /^Measured on / }).waitFor({ timeout: 60_000 });
    timings.push(['Measure Layer Times → times in the table', Date.now() - started]);
    assert.match(await status.innerText(), /ms per sample/);
    const conv = compileModel(path.join(FIXTURE, 'har-mobiprox.onnx')).layers.find((l) => l.op === 'conv')!;
    const cells = await frame.locator(`vscode-table-row[data-layer="${conv.index}"] vscode-table-cell`).allInnerTexts();
    // #, name, op, output shape, FLOPs, ms, time share, knobs
    assert.equal(cells.length, 8);
    assert.ok(Number(cells[5]) > 0, `a convolution's ms: ${cells[5]}`);
    assert.match(cells[6], /^(⚠ )?\d+\.\d %$/);
    await frame.locator('#flops-chart .scatterlayer .point').nth(expectedLayers - 1).waitFor({ state: 'attached' });
    await screenshot('03b-layer-times.png');
    assert.deepEqual(webviewProblems, []);
  });

  it('measures every knob on every layer from the overview, and says which the tuner withholds', async () => {
    await workbench.quickOpen('har-mobiprox.onnx');
    const frame = await workbench.webviewFrameWith('vscode-table-row');
    const started = Date.now();
    await frame.locator('vscode-button', { hasText: 'Measure Knob Speedups' }).click();
    const status = frame.locator('.knobs-status');
    await status.filter({ hasText: /^Knobs measured on / }).waitFor({ timeout: 60_000 });
    timings.push(['Measure Knob Speedups → knobs in the table', Date.now() - started]);
    assert.match(await status.innerText(), /\d+ layer-knob pairs? (is|are) withheld/);
    const conv = compileModel(path.join(FIXTURE, 'har-mobiprox.onnx')).layers.find((l) => l.op === 'conv')!;
    const cells = await frame.locator(`vscode-table-row[data-layer="${conv.index}"] vscode-table-cell`).allInnerTexts();
    // the knob column now lists the families: "samp 2.05× (9/9) · int8 1.92× (1/1) · …"
    assert.match(cells[cells.length - 1], /samp \d+\.\d\d× \(\d\/9\)/);
    await screenshot('03c-knob-speedups.png');
    assert.deepEqual(webviewProblems, []);
  });

  it('draws the graph the runtime runs; a node shows its attributes and marks its layer in the table', async () => {
    await workbench.quickOpen('har-mobiprox.onnx');
    const frame = await workbench.webviewFrameWith('svg.graph');
    const model = compileModel(path.join(FIXTURE, 'har-mobiprox.onnx'));
    assert.equal(await frame.locator('svg.graph .node[data-node]').count(), model.graph.nodes.length);
    // the input, every tensor between nodes and the outputs
    assert.equal(await frame.locator('svg.graph .edges path').count(), model.graph.edges.length);
    const conv = model.layers.find((l) => l.op === 'conv')!;
    await frame.locator(`svg.graph .node[data-layer="${conv.index}"]`).first().click();
    const details = frame.locator('.node-details');
    await details.getByText('kernel_shape').waitFor();
    assert.match(await details.innerText(), new RegExp(`Layer\\s+${conv.index} \\(conv\\)`));
    assert.match(await details.innerText(), /Knob ids\s+11 12 121/);
    assert.equal(await frame.locator(`vscode-table-row.selected`).getAttribute('data-layer'), String(conv.index));
    // and in the Model view
    await workbench.sideBarPane('Model').locator('.monaco-list-row.selected[aria-level="1"]', { hasText: `${conv.index} conv` }).waitFor();
    await screenshot('03c-graph.png');
    assert.deepEqual(webviewProblems, []);
  });

  it('opens a model with Mobiprox: Open Model from the command palette', async () => {
    await workbench.closeAllEditors();
    const started = Date.now();
    await workbench.runCommand('Mobiprox: Open Model');
    await workbench.quickPickRow('har-mobiprox.onnx').waitFor();
    await screenshot('04-open-model-pick.png');
    await workbench.quickPickRow('har-mobiprox.onnx').click();
    const frame = await workbench.webviewFrameWith('vscode-table-row');
    await frame.locator('vscode-table-row').nth(expectedLayers - 1).waitFor();
    timings.push(['open model (command) → layers table visible', Date.now() - started]);
    assert.equal(await frame.locator('vscode-table-body vscode-table-row').count(), expectedLayers);
    await screenshot('05-open-model-command.png');
  });

  it('shows the importer error as a readable message for a file that is not a model', async () => {
    await workbench.quickOpen('not-a-model.onnx');
    const frame = await workbench.webviewFrameWith('.failure');
    const text = await frame.locator('.failure').innerText();
    assert.match(text, /Mobiprox cannot show this model/);
    assert.match(text, /not-a-model\.onnx is not an ONNX model/);
    await screenshot('06-import-error.png');
  });

  it('restores the overview and its state (log scale) after the window reloads', async () => {
    await workbench.quickOpen('har-mobiprox.onnx');
    const before = await workbench.webviewFrameWith('vscode-table-row');
    await before.locator('vscode-checkbox').click();
    await waitInPage(before, CHART_IS_LOG_SCALE);
    await workbench.runCommand('Developer: Reload Window');
    await workbench.ready();
    const started = Date.now();
    const frame = await workbench.webviewFrameWith('vscode-table-row', 120_000);
    await frame.locator('vscode-table-row').nth(expectedLayers - 1).waitFor();
    timings.push(['reload window → layers table visible again', Date.now() - started]);
    await waitInPage(frame, CHART_IS_LOG_SCALE);
    assert.equal(await frame.locator('vscode-checkbox').evaluate((c) => (c as unknown as { checked: boolean }).checked), true);
    await screenshot('07-after-reload-log-scale.png');
    assert.deepEqual(webviewProblems, []);
  });

  it('tunes har-mobiprox with Tune Model: progress in a notification, then the result', async () => {
    await workbench.quickOpen('har-mobiprox.onnx');
    await workbench.webviewFrameWith('vscode-table-row');
    const started = Date.now();
    await workbench.runCommand('Mobiprox: Tune Model');
    await workbench.quickPickRow('har-test-x.npy').click();
    await workbench.quickPickRow('har-test-y.npy').click();
    // While it runs: the notification with its Cancel button, and the run in the Runs view.
    await workbench.notification('Tuning har-mobiprox').getByRole('button', { name: 'Cancel' }).waitFor();
    // the run's row follows the phases: "Single-knob profiles (12/57) · 31 % · about 9 s left"
    await workbench.sideBarPane('Runs').getByText(/running…|\(\d+\/\d+\) · \d+ %/).first().waitFor();
    await screenshot('08-tuning-progress.png');
    const done = workbench.notification(/Tuned har-mobiprox: \d+ configurations/);
    await done.waitFor({ timeout: 300_000 });
    timings.push(['Tune Model (64 tuning, 64 test windows) → completion notice', Date.now() - started]);
    const set = readConfigurationSet(path.join(workspace, 'har-mobiprox.configs.json'));
    assert.match(await done.innerText(), new RegExp(`Tuned har-mobiprox: ${set.configurations.length} configurations`));
    assert.ok(set.configurations.length >= 2, 'the tuning kept an approximated configuration');
    // The picks became the model's data configuration, which later tunings read without asking.
    const dataConfig = JSON.parse(fs.readFileSync(path.join(workspace, 'har-mobiprox.mobiprox.json'), 'utf8'));
    assert.deepEqual(dataConfig, { input: 'har-test-x.npy', labels: 'har-test-y.npy', preprocessing: {} });
    await workbench.sideBarPane('Runs').getByText('Tuning har-mobiprox').waitFor();
    await screenshot('09-tuning-done.png');
  });

  it('shows the model\'s data configuration and the exact accuracy on it in the overview; a wrong scale is flagged', async () => {
    await workbench.quickOpen('har-mobiprox.onnx');
    const frame = await workbench.webviewFrameWith('#data .data-preview', 120_000);
    const section = frame.locator('#data');
    const text = await section.innerText();
    assert.match(text, /Input\s+har-test-x\.npy/);
    assert.match(text, /Labels\s+har-test-y\.npy/);
    assert.match(text, /Scale\s+none/);
    const [, accuracy, chance] = text.match(/Exact accuracy ([\d.]+) % on the first 200 samples \(chance ([\d.]+) %\)\./)!.map(Number);
    assert.ok(accuracy > chance + 20, `the trained model is far above chance on its data: ${accuracy} against ${chance}`);
    await scrollTo(section);
    await screenshot('09b-data-section.png');
    // pixels' scale on inertial data: the section follows the file and says the model now guesses
    const file = path.join(workspace, 'har-mobiprox.mobiprox.json');
    const original = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(original), preprocessing: { scale: 1 / 255 } }));
    try {
      const problem = frame.locator('#data .data-preview.problem');
      await problem.waitFor({ timeout: 60_000 });
      assert.match(await problem.innerText(), /about chance \([\d.]+ %\), with preprocessing: scale 1\/255\. Give the preprocessing the model was trained with/);
      await scrollTo(problem);
      await screenshot('09c-data-section-wrong-scale.png');
    } finally {
      fs.writeFileSync(file, original);
    }
    await frame.locator('#data .data-preview:not(.problem)').waitFor({ timeout: 60_000 });
    // the section's button opens the configuration to edit
    await frame.locator('#data vscode-button', { hasText: 'Edit Data Configuration' }).click();
    await workbench.editorTab('har-mobiprox.mobiprox.json').waitFor();
    await workbench.closeAllEditors();
    assert.deepEqual(webviewProblems, []);
  });

  it('proposes the data of a channels-first image model with channels-last uint8 images: 1/255, channels moved first, and warns for raw pixels', async () => {
    await workbench.quickOpen(IMAGE_MODEL);
    const frame = await workbench.webviewFrameWith('#data vscode-button');
    await frame.locator('#data', { hasText: 'No data configuration yet' }).waitFor();
    await frame.locator('#data vscode-button', { hasText: 'Propose Data Configuration' }).click();
    await workbench.quickPickRow(IMAGE_INPUT).click();
    await workbench.quickPickRow(IMAGE_LABELS).click();
    // proposed from the data, previewed, saved, and opened beside to edit
    await workbench.editorTab('images.mobiprox.json').waitFor({ timeout: 60_000 });
    const overview = await workbench.webviewFrameWith('#data .data-preview', 60_000);
    const text = await overview.locator('#data').innerText();
    assert.match(text, /Layout\s+channels last, moved first/);
    assert.match(text, /Scale\s+1\/255/);
    assert.match(text, /Exact accuracy 100\.0 % on the first 200 samples \(chance 50\.0 %\)\./);
    await screenshot('09d-image-model-data-proposed.png');
    // raw pixels: the preview says the model guesses, and what to give instead
    const file = path.join(workspace, 'images.mobiprox.json');
    fs.writeFileSync(file, JSON.stringify({ input: IMAGE_INPUT, labels: IMAGE_LABELS, preprocessing: { nhwc: true } }, null, 2));
    const problem = overview.locator('#data .data-preview.problem');
    await problem.waitFor({ timeout: 60_000 });
    assert.match(await problem.innerText(), /scores 50\.0 % on the first 200 samples of images-x\.npy, about chance \(50\.0 %\), with preprocessing: channels-last → first\. Give the preprocessing the model was trained with \(scale/);
    await screenshot('09e-image-model-raw-pixels.png');
    await workbench.closeAllEditors();
    // the tests that follow work on the HAR model: it is the model in view again
    await workbench.quickOpen('har-mobiprox.onnx');
    await workbench.webviewFrameWith('#data .data-preview');
    await workbench.closeAllEditors();
    assert.deepEqual(webviewProblems, []);
  });

  it('shows the Pareto plot of the tuning: one point per configuration and series, a knob table on click', async () => {
    const set = readConfigurationSet(path.join(workspace, 'har-mobiprox.configs.json'));
    const started = Date.now();
    await workbench.runCommand('Mobiprox: Show Pareto Plot');
    const frame = await workbench.webviewFrameWith('#pareto-chart');
    await frame.locator('#pareto-chart .scatterlayer .trace .point').first().waitFor();
    timings.push(['Show Pareto Plot → first render', Date.now() - started]);
    const points = await paretoPoints(frame);
    // Every configuration is host-measured; the predicted series has the approximated ones and the exact one.
    assert.equal(points.host, set.configurations.length);
    assert.equal(points.predicted, set.configurations.filter((c) => c.predicted).length + 1);
    assert.equal(points.device, undefined, 'nothing was profiled on a device yet');
    // Clicking a host point shows that configuration's knob per layer and selects it.
    const hostPoints = await hostPointsOf(frame);
    const box = (await hostPoints.last().boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await frame.locator('#detail vscode-table-row').nth(expectedLayers - 1).waitFor();
    assert.equal(await frame.locator('#detail vscode-table-body vscode-table-row').count(), expectedLayers);
    assert.match(await frame.locator('.selected-names').innerText(), /^Selected: conf\d+$/);
    await screenshot('10-pareto-plot.png');
    assert.deepEqual(webviewProblems, []);
    await workbench.leaveWebview();
  });

  it('starts a virtual device and lists it in the Devices view', async () => {
    const started = Date.now();
    await workbench.runCommand('Mobiprox: Start Virtual Device');
    await workbench.quickPickRow('x86_64').click();
    const row = workbench.sideBarPane('Devices').locator('.monaco-list-row', { hasText: '(virtual)' });
    await row.waitFor({ timeout: 60_000 });
    timings.push(['Start Virtual Device → listed in the Devices view', Date.now() - started]);
    assert.match(await row.innerText(), /x86_64/);
    await screenshot('11-virtual-device.png');
  });

  it('profiles the selected configuration on the virtual device from the Pareto panel, its progress in the panel\'s status line', async () => {
    const frame = await workbench.webviewFrameWith('#pareto-chart');
    const selected = (await frame.locator('.selected-names').innerText()).replace('Selected: ', '');
    const started = Date.now();
    await frame.locator('vscode-button', { hasText: 'Profile on Device' }).click();
    // no pick of the data: the model's data configuration, saved by Tune Model, says what it is
    await frame.locator('#status', { hasText: /Profiling har-mobiprox on 127\.0\.0\.1:\d+/ }).locator('vscode-button', { hasText: 'Cancel' }).waitFor();
    await screenshot('12-profiling-status-line.png');
    // done: the profiled set's own panel opens, device points beside the host's (the links between a
    // configuration's points, then each series' frontier and points: device points are 7th)
    const plot = await workbench.webviewFrameWith('#pareto-chart .scatterlayer .trace:nth-child(7)', 300_000);
    timings.push(['Profile on Device (2 configurations) → profiled set shown', Date.now() - started]);
    const profiled = readConfigurationSet(path.join(workspace, 'har-mobiprox.profiled.json'));
    assert.deepEqual(profiled.configurations.map((c) => c.name), ['conf0', selected]);
    assert.equal((await paretoPoints(plot)).device, 2);
    assert.equal(await workbench.notification(/Profiled har-mobiprox/).count(), 0, 'no notification over the panels');
    await screenshot('12a-pareto-with-device.png');
  });

  it('compares two configurations side by side: knob and time per layer, accuracy per class', async () => {
    const frame = await workbench.webviewFrameWith('#pareto-chart .scatterlayer .trace:nth-child(7)');
    // the profiled set's panel: one configuration selected is compared with the exact one
    await settledParetoPoints(frame);
    const box = (await (await hostPointsOf(frame)).last().boundingBox())!;
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await frame.locator('.selected-names', { hasText: /Selected: conf[1-9]\d*$/ }).waitFor();
    const started = Date.now();
    await frame.locator('vscode-button', { hasText: 'Compare' }).click();
    const classes = frame.locator('#comparison-classes vscode-table-body vscode-table-row');
    await classes.first().waitFor({ timeout: 120_000 });
    timings.push(['Compare (2 configurations) → tables shown', Date.now() - started]);
    const labels = readNpy(path.join(workspace, 'har-test-y.npy'));
    // Compare measures up to 2000 samples
    assert.equal(await classes.count(), new Set(Array.from(labels.data as ArrayLike<number>).slice(0, 2000)).size);
    assert.equal(await frame.locator('#comparison-layers vscode-table-body vscode-table-row').count(), expectedLayers);
    // the layers whose knobs differ are marked, and only those
    const profiled = readConfigurationSet(path.join(workspace, 'har-mobiprox.profiled.json'));
    const differing = profiled.configurations[1].layers.filter((slots) => slots[0].knob !== 11).length;
    assert.equal(await frame.locator('#comparison-layers vscode-table-row.approximated').count(), differing);
    // the result in the panel's status line, not a notification over it
    assert.match(await frame.locator('#status').innerText(), /Compared conf0 and conf\d+ on \d+ samples: accuracy [\d.]+ % and [\d.]+ %/);
    await scrollTo(frame.locator('#comparison'));
    await screenshot('12b-comparison.png');
    // in a panel about half as wide, every ms figure is still shown whole (long knob names wrap instead)
    await page.setViewportSize({ width: 900, height: 900 });
    try {
      await scrollTo(frame.locator('#comparison'));
      const cut = await frame.evaluate(`[...document.querySelectorAll('#comparison-layers vscode-table-body vscode-table-row')]
        .flatMap((row) => [row.children[3], row.children[5]]).filter((cell) => cell.scrollWidth > cell.clientWidth).map((cell) => cell.textContent)`);
      assert.deepEqual(cut, [], 'ms figures cut off');
      await screenshot('12b-comparison-narrow.png');
    } finally {
      await page.setViewportSize({ width: 1440, height: 900 });
    }
    assert.deepEqual(webviewProblems, []);
  });

  it('measures a configuration composed in the Model view and draws it on the tuned set\'s Pareto plot', async () => {
    const conv = compileModel(path.join(FIXTURE, 'har-mobiprox.onnx')).layers.find((l) => l.op === 'conv')!;
    const model = workbench.sideBarPane('Model');
    const layer = model.locator('.monaco-list-row[aria-level="1"]', { hasText: new RegExp(`^${conv.index} conv`) });
    if ((await layer.getAttribute('aria-expanded')) !== 'true') await layer.click();
    await model.locator('.monaco-list-row[aria-level="2"]', { hasText: '121 perf' }).first().click();
    await model.getByText(/Composed: 1 layer approximated/).waitFor();
    await screenshot('12c-composed-in-model-view.png');
    const started = Date.now();
    await workbench.runCommand('Mobiprox: Measure Composed Configuration');
    const saved = /Saved the composed configuration as composed1 in har-mobiprox\.configs\.json: ×[\d.]+ at -?[\d.]+ points of loss/;
    // the tuned set's panel comes to the front and follows the measurement in its status line
    const frame = await workbench.webviewFrameWith('header .file:has-text("har-mobiprox.configs.json")');
    await frame.locator('#status', { hasText: saved }).waitFor({ timeout: 120_000 });
    timings.push(['Measure Composed Configuration → on the Pareto plot', Date.now() - started]);
    const set = readConfigurationSet(path.join(workspace, 'har-mobiprox.configs.json'));
    const composed = set.configurations.find((c) => c.name === 'composed1')!;
    assert.equal(composed.layers[conv.index - 1][0].knob, 121);
    assert.ok(composed.host?.timing, 'measured on the host, with its timing');
    await settledParetoPoints(frame);
    assert.equal((await paretoPoints(frame)).host, set.configurations.length);
    // its knob table is open: the composed knob on its layer
    assert.match(await frame.locator('#detail h2').innerText(), /^composed1: knob per layer/);
    assert.equal(await frame.locator('.selected-names').innerText(), 'Selected: composed1');
    assert.match(await frame.locator(`#detail vscode-table-row.approximated`).first().innerText(), /column perforation ×2 offset 0, fp32 \(121\)/);
    await screenshot('12d-composed-on-pareto.png');
    // measured on the device like a tuned one: profiled from the panel, it is a device point of the profiled set
    await frame.locator('vscode-button', { hasText: 'Profile on Device' }).click();
    const profiledPlot = await workbench.webviewFrameWith('header .file:has-text("har-mobiprox.profiled.json")');
    const profiled = path.join(workspace, 'har-mobiprox.profiled.json');
    const deadline = Date.now() + 120_000;
    while (!readConfigurationSet(profiled).configurations.some((c) => c.name === 'composed1') && Date.now() < deadline) await page.waitForTimeout(250);
    assert.deepEqual(readConfigurationSet(profiled).configurations.map((c) => c.name), ['conf0', 'composed1']);
    assert.ok(readConfigurationSet(profiled).configurations[1].device?.speedup, 'a device speedup');
    await waitInPage(profiledPlot, `(document.getElementById('pareto-chart')?.data ?? []).some((t) => t.meta?.kind === 'device' && t.meta?.role === 'points' && (t.customdata ?? []).some((c) => c[0] === 'composed1'))`, 60_000);
    assert.match(await profiledPlot.locator('#status').innerText(), /Profiled on 127\.0\.0\.1:\d+ \(x86_64\): conf0, composed1\./);
    await screenshot('12e-composed-on-device.png');
    assert.deepEqual(webviewProblems, []);
  });

  it('stops the virtual device from its row in the Devices view', async () => {
    const devices = workbench.sideBarPane('Devices');
    const row = devices.locator('.monaco-list-row', { hasText: '(virtual)' });
    await row.hover();
    await row.locator('.action-label[aria-label*="Stop Virtual Device"]').click();
    await row.waitFor({ state: 'detached', timeout: 30_000 });
    await devices.getByText('Android devices connected over adb will appear here').waitFor();
    await screenshot('19-virtual-device-stopped.png');
  });

  it('says what to do when adb cannot be found', async () => {
    // a machine setting: code-server's extension host reads it from the machine's settings, not the workspace's
    const settings = path.join(tmp, 'user-data', 'Machine', 'settings.json');
    fs.mkdirSync(path.dirname(settings), { recursive: true });
    const original = fs.existsSync(settings) ? fs.readFileSync(settings, 'utf8') : '{}';
    const missing = path.join(workspace, 'no-such-adb');
    fs.writeFileSync(settings, JSON.stringify({ ...JSON.parse(original), 'mobiprox.adbPath': missing }));
    try {
      // the workbench reads the changed file in its own time: refresh until it has
      const message = workbench.sideBarPane('Devices').getByText(/Then run Refresh\./);
      for (let attempt = 0; attempt < 10 && (await message.count()) === 0; attempt++) {
        await page.waitForTimeout(1500);
        await workbench.runCommand('Mobiprox: Refresh Devices');
      }
      await message.waitFor({ timeout: 10_000 });
      assert.match(await message.innerText(), /^The adb path setting '.*no-such-adb' is not an executable file: point it at adb/);
      await screenshot('20-adb-missing.png');
    } finally {
      fs.writeFileSync(settings, original);
    }
    // the workbench reads the restored file in its own time (slower on a loaded machine): refresh until it has
    const message = workbench.sideBarPane('Devices').getByText(/Then run Refresh\./);
    for (let attempt = 0; attempt < 10 && (await message.count()) > 0; attempt++) {
      await page.waitForTimeout(1500);
      await workbench.runCommand('Mobiprox: Refresh Devices');
    }
    await message.waitFor({ state: 'detached', timeout: 10_000 });
  });

  it('generates the Kotlin adaptation engine and opens it beside', async () => {
    await workbench.runCommand('Mobiprox: Generate Adaptation Code');
    await workbench.quickPickRow('Confidence-driven').click();
    await workbench.editorTab('MobiproxAdaptation.kt').waitFor();
    await workbench.editorTab('MobiproxModel.kt').waitFor();
    const engine = path.join(workspace, 'har-mobiprox-kotlin', 'com', 'example', 'mobiprox', 'MobiproxAdaptation.kt');
    assert.match(fs.readFileSync(engine, 'utf8'), /Generated by mobiprox from har-mobiprox\.profiled\.json/);
    await screenshot('13-generated-code.png');
  });

  it('simulates a strategy over the profiled set and shows its timeline', async () => {
    const profiled = readConfigurationSet(path.join(workspace, 'har-mobiprox.profiled.json'));
    await workbench.runCommand('Mobiprox: Simulate Strategy');
    await workbench.quickPickRow('har-mobiprox.profiled.json').click();
    await workbench.quickPickRow('har-test-y.npy').click();
    await workbench.quickPickRow('Naive').click();
    const frame = await workbench.webviewFrameWith('#timeline-chart .scatterlayer .trace');
    // One choice per profiled sample, one saving per sample.
    const samples = profiled.configurations[0].samples!.predictions.length;
    const lengths = await frame.evaluate(`document.getElementById('timeline-chart').data.map((t) => t.x.length)`);
    assert.equal((lengths as number[])[0], samples);
    assert.equal((lengths as number[])[2], samples);
    assert.match(await frame.locator('.summary').innerText(), new RegExp(`^${samples} samples · accuracy`));
    // the x-axis says what it counts, clear of the legend
    const overlap = await frame.evaluate(`(() => {
      const title = document.querySelector('#timeline-chart .g-x2title text')?.getBoundingClientRect();
      const legend = document.querySelector('#timeline-chart .legend')?.getBoundingClientRect();
      if (!title || !legend) return 'missing: ' + (title ? 'legend' : 'x-axis title');
      return title.bottom > legend.top && title.top < legend.bottom && title.right > legend.left && title.left < legend.right ? 'overlap' : '';
    })()`);
    assert.equal(overlap, '');
    assert.equal(await frame.locator('#timeline-chart .g-x2title text').textContent(), 'sample (in trace order)');
    await screenshot('14-strategy-timeline.png');
    assert.deepEqual(webviewProblems, []);
  });

  it('builds the Android bundle and opens its generated sources beside', async () => {
    // A webview that finishes loading takes the focus, which closes a quick pick opened meanwhile.
    await workbench.closeAllEditors();
    await workbench.runCommand('Mobiprox: Build Android Bundle');
    await workbench.quickPickRow('Confidence-driven').click();
    const done = workbench.notification(/Wrote the Android module har-mobiprox-android/);
    await done.waitFor({ timeout: 120_000 });
    const module = path.join(workspace, 'har-mobiprox-android');
    assert.ok(fs.existsSync(path.join(module, 'build.gradle')) || fs.existsSync(path.join(module, 'build.gradle.kts')), 'a Gradle module');
    await workbench.editorTab('MobiproxAdaptation.kt').first().waitFor();
    await screenshot('15-android-bundle.png');
  });

  it('inserts the usage snippet into a Kotlin file, naming the model assets', async () => {
    await workbench.editorTab('MobiproxModel.kt').first().click();
    await workbench.runCommand('Mobiprox: Insert Usage Snippet');
    // The insertion is asynchronous: wait for the edit, then save as a user does (a palette opened meanwhile
    // could be closed by the snippet taking the focus).
    await page.locator('.monaco-editor .view-lines', { hasText: 'classify(window' }).first().waitFor();
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+S');
    const source = path.join(workspace, 'har-mobiprox-android', 'src', 'main', 'java', 'com', 'example', 'mobiprox', 'MobiproxModel.kt');
    // The save lands on disk a moment after the command.
    const deadline = Date.now() + 10_000;
    while (!fs.readFileSync(source, 'utf8').includes('fun classify(') && Date.now() < deadline) await page.waitForTimeout(100);
    const text = fs.readFileSync(source, 'utf8');
    assert.match(text, /val model = MobiproxModel\(asset\(context, "har-mobiprox\.mpxm"\)\.path, asset\(context, "har-mobiprox\.configs\.txt"\)/);
    assert.match(text, /fun classify\(window: FloatArray\): Int \{/);
    // The cursor was at the top of the file: the class went after the package and import lines, not above them.
    assert.ok(text.indexOf('\nclass MobiproxClassifier(') > text.lastIndexOf('\nimport '), 'the snippet is below the imports');
    assert.match(text, /^(\/\/.*\n)*package /, 'the file still starts with its package');
    await screenshot('16-usage-snippet.png');
  });

  it('offers the usage snippet as the "mobiprox" completion item in a Kotlin file', async () => {
    await workbench.editorTab('MobiproxModel.kt').first().click();
    const editor = page.locator('.monaco-editor').first();
    await editor.click();
    await page.keyboard.press('Control+End');
    await page.keyboard.press('Enter');
    await page.keyboard.type('mobipro');
    await page.keyboard.press('Control+Space');
    const item = page.locator('.suggest-widget .monaco-list-row', { hasText: 'mobiprox' }).first();
    await item.waitFor();
    await screenshot('16b-completion-item.png');
    await page.keyboard.press('Enter');
    // the item inserts the usage where the word was typed (the completion names the assets generically)
    await page.locator('.monaco-editor .view-lines', { hasText: '"model.mpxm"' }).first().waitFor();
    const lines = await page.locator('.monaco-editor .view-lines').first().innerText();
    assert.ok(!/\bmobipro\s*$/m.test(lines), 'the typed prefix was replaced by the snippet');
    await screenshot('16c-completion-inserted.png');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+S');
  });

  it('restores the Pareto panel, its selection and knob table after the window reloads', async () => {
    await workbench.closeAllEditors();
    await workbench.runCommand('Mobiprox: Show Pareto Plot');
    const before = await workbench.webviewFrameWith('#pareto-chart .scatterlayer .trace .point');
    const points = await paretoPoints(before);
    const hostPoints = await hostPointsOf(before);
    const box = (await hostPoints.last().boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await before.locator('#detail vscode-table-row').first().waitFor();
    const selection = await before.locator('.selected-names').innerText();
    await workbench.runCommand('Developer: Reload Window');
    await workbench.ready();
    const started = Date.now();
    const frame = await workbench.webviewFrameWith('#pareto-chart .scatterlayer .trace .point', 120_000);
    timings.push(['reload window → Pareto plot drawn again', Date.now() - started]);
    assert.deepEqual(await settledParetoPoints(frame), points);
    assert.equal(await frame.locator('.selected-names').innerText(), selection);
    assert.equal(await frame.locator('#detail vscode-table-body vscode-table-row').count(), expectedLayers);
    // The Model view shows the last model again, though no overview editor is open.
    await workbench.sideBarPane('Model').locator('.monaco-list-row[aria-level="1"]').nth(expectedLayers - 1).waitFor();
    await screenshot('17-pareto-after-reload.png');
    assert.deepEqual(webviewProblems, []);
  });

  it('opens the Pareto plot from a configuration clicked in the Runs view, that configuration selected', async () => {
    await workbench.closeAllEditors();
    const runs = workbench.sideBarPane('Runs');
    const tuning = runs.locator('.monaco-list-row[aria-level="1"]', { hasText: 'Tuning har-mobiprox' });
    if ((await tuning.getAttribute('aria-expanded')) !== 'true') await tuning.locator('.monaco-tl-twistie').click();
    await runs.locator('.monaco-list-row[aria-level="2"]', { hasText: 'conf1' }).click();
    const frame = await workbench.webviewFrameWith('#detail h2');
    await frame.locator('#detail h2', { hasText: 'conf1: knob per layer' }).waitFor();
    assert.equal(await frame.locator('.selected-names').innerText(), 'Selected: conf1');
    await screenshot('18-runs-view-click.png');
    assert.deepEqual(webviewProblems, []);
  });

  it('cancels a running tuning: the notification says what was kept, the Runs view that it was cancelled', async () => {
    // more tuning samples than before: nothing comes from the cache, so the tuning runs long enough to cancel
    const settings = path.join(workspace, '.vscode', 'settings.json');
    const original = fs.readFileSync(settings, 'utf8');
    fs.writeFileSync(settings, JSON.stringify({ ...JSON.parse(original.replace(/^\s*\/\/.*$/gm, '')), 'mobiprox.tuning.tuneSize': 300, 'mobiprox.tuning.maxEvals': 16 }));
    const before = fs.readFileSync(path.join(workspace, 'har-mobiprox.configs.json'), 'utf8');
    try {
      await page.waitForTimeout(1500);
      await workbench.runCommand('Mobiprox: Tune Model');
      const running = workbench.notification('Tuning har-mobiprox');
      await workbench.sideBarPane('Runs').getByText(/\(\d+\/\d+\) · \d+ %/).first().waitFor({ timeout: 60_000 });
      await running.getByRole('button', { name: 'Cancel' }).click();
      const said = workbench.notification(/Tuning har-mobiprox cancelled/);
      await said.waitFor({ timeout: 60_000 });
      const text = await said.innerText();
      if (/nothing validated yet/.test(text)) {
        assert.match(text, /har-mobiprox\.configs\.json unchanged/);
        assert.equal(fs.readFileSync(path.join(workspace, 'har-mobiprox.configs.json'), 'utf8'), before, 'the set untouched');
      } else {
        assert.match(text, /kept in har-mobiprox\.configs\.json the \d+ configurations validated until then/);
        assert.equal(readConfigurationSet(path.join(workspace, 'har-mobiprox.configs.json')).partial, true);
      }
      await workbench.sideBarPane('Runs').locator('.monaco-list-row', { hasText: /Tuning har-mobiprox\s*cancelled/ }).first().waitFor();
      await screenshot('21-tuning-cancelled.png');
    } finally {
      fs.writeFileSync(settings, original);
    }
  });
});
