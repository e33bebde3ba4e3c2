/**
 * Generated engines against the reference: every strategy is generated in Java and in Kotlin (each into its
 * own package, so that one javac and one kotlinc run compile them all), and Java harnesses replay recorded
 * traces through them: recorded predictions and confidences through next(), and raw model outputs through
 * observe(). Each must choose exactly the configuration sequence the TypeScript simulator chooses.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { calibrateConfigurations, createStrategy, simulate, StrategySpec, Trace } from '../src/core/adapt';
import { AdaptableSet, strategyConfigurations, traceFromOutputs, withCalibration } from '../src/core/adapt/profiledSet';
import { generateSources, writeSources } from '../src/core/codegen/generate';
import { Lang } from '../src/core/codegen/literals';
import { ConfigurationRecord } from '../src/core/knobs/configurationSet';
import { REPO_ROOT } from './support/engine';
import { javaFiles, kotlinCompiler, kotlinStdlib, run } from './support/jvm';
import { Random } from './support/random';
import { requireTools, unavailable } from './support/requirements';

const CLASSES = 4;
/** Measured costs need not fall with the index: configuration 3 is the cheapest. */
const COSTS = [1, 0.83, 0.61, 0.31, 0.47];

const SPECS: [string, StrategySpec][] = [
  ['naive', { kind: 'naive' }],
  ['naiveexp', { kind: 'naive', growth: 'exponential' }],
  ['state', { kind: 'state' }],
  ['stateexp', { kind: 'state', growth: 'exponential', window: 4, voteLimit: 3 }],
  ['confidence', { kind: 'confidence' }],
  ['confidenceexp', { kind: 'confidence', growth: 'exponential' }],
  ['budget', { kind: 'budget', budget: 0.6 }],
  ['budgetslack', { kind: 'budget', budget: 0.8, slack: 1.5 }],
  ['budgetnone', { kind: 'budget', budget: 0.25 }], // nothing fits: home is the cheapest, 3
  ['rulesbudget', {
    kind: 'rules', inner: { kind: 'budget', budget: 0.7 },
    rules: [{ batteryBelow: 20, charging: false, min: 3, max: 9 }, { mode: 'saver', min: 2, max: 4 }, { batteryAtLeast: 80, min: 0, max: 1 }],
  }],
  ['rulesstate', { kind: 'rules', inner: { kind: 'state', growth: 'exponential' }, rules: [{ mode: 'accurate', min: 0, max: 0 }, { batteryBelow: 50, min: 1, max: 4 }] }],
  ['rulesfixed', { kind: 'rules', inner: { kind: 'fixed', index: 2 }, rules: [{ charging: true, min: 3, max: 4 }] }],
];

/**
 * Five configurations with profiled triples that exercise every fallback: configuration 3 never wrong for
 * some classes (C− from its overall mean), configuration 4 never right (thresholds +∞).
 */
function profiledSet(rng: Random): AdaptableSet {
  const configurations: ConfigurationRecord[] = COSTS.map((cost, k) => {
    const triple = () => {
      const wrong = rng.uniform(0.3, 0.6);
      return { mean: rng.uniform(0.5, 0.9), correct: k === 4 ? null : wrong + rng.uniform(-0.05, 0.4), wrong: k === 3 && rng.next() < 0.5 ? null : wrong };
    };
    return {
      name: `conf${k}`, speedup: 1 / cost, energy: 1, accuracy: 90 - 3 * k, qosLoss: 3 * k, layers: [[{ op: 'conv', knob: 11 }]],
      host: { speedup: 1 / cost, accuracy: 90 - 3 * k, qosLoss: 3 * k, latencyMsPerSample: 2 * cost, confidence: [triple(), ...Array.from({ length: CLASSES }, triple)] },
    };
  });
  return {
    format: 'mobiprox-configurations', version: 1, baselineTime: 2,
    model: { name: 'synthetic', sha256: '0', inputShape: [1], layers: [['conv']] }, configurations,
  };
}

/** A trace whose accuracy falls with the index, with a device state that drains, charges and changes mode. */
function recordedTrace(rng: Random, n: number, name: string): Trace {
  const labels = Array.from({ length: n }, () => rng.int(0, CLASSES - 1));
  // Runs of one activity, as in real traces, so that the naive and state strategies move in both directions.
  for (let t = 1; t < n; t++) if (rng.next() < 0.8) labels[t] = labels[t - 1];
  const predictions = COSTS.map((_, k) => labels.map((y) => (rng.next() < 0.95 - 0.08 * k ? y : rng.int(0, CLASSES - 1))));
  const confidences = predictions.map(() => labels.map(() => rng.uniform(0.25, 1)));
  const modes = ['normal', 'saver', 'accurate'];
  const context = labels.map((_, t) => ({ battery: 100 - (100 * t) / n + rng.uniform(0, 1e-9), charging: Math.floor(t / 97) % 3 === 2, mode: modes[Math.floor(t / 131) % 3] }));
  return { name, labels, predictions, confidences, costs: COSTS, context };
}

function traceFile(trace: Trace, file: string): void {
  const lines = [`${trace.costs.length} ${trace.labels.length}`];
  for (let t = 0; t < trace.labels.length; t++) {
    const c = trace.context![t];
    const outcomes = trace.predictions.flatMap((p, k) => [String(p[t]), String(trace.confidences[k][t])]);
    lines.push([String(c.battery), c.charging ? '1' : '0', c.mode, ...outcomes].join(' '));
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

/** Raw outputs per configuration (flat [samples × classes], float32), more often right at lower indices. */
function rawOutputs(rng: Random, labels: number[], probabilities: boolean): Float32Array[] {
  return COSTS.map((_, k) => {
    const out = new Float32Array(labels.length * CLASSES);
    labels.forEach((y, t) => {
      for (let j = 0; j < CLASSES; j++) out[t * CLASSES + j] = rng.normal() * 1.5 + (j === y ? 2.5 - 0.4 * k : 0);
      if (probabilities) {
        const row = out.subarray(t * CLASSES, (t + 1) * CLASSES);
        const sum = row.reduce((a, v) => a + Math.exp(v), 0);
        row.forEach((v, j) => (row[j] = Math.exp(v) / sum));
      }
    });
    return out;
  });
}

/** The observe() variants: a set calibrated on separate outputs; a budget strategy reads both bands and costs. */
const OBSERVED: [string, StrategySpec, boolean][] = [
  ['observe', { kind: 'budget', budget: 0.65 }, false],
  ['observeprob', { kind: 'confidence', growth: 'exponential' }, true],
];

describe('code generation: generated engines make the simulator\'s decisions', function () {
  this.timeout(600_000);
  const rng = new Random(20261122);
  const set = profiledSet(rng);
  const traces = [recordedTrace(rng, 700, 'a'), recordedTrace(rng, 450, 'b')];
  const calibrationLabels = Array.from({ length: 600 }, () => rng.int(0, CLASSES - 1));
  const observed = traces[0];
  const observedOutputs = [false, true].map((probabilities) => rawOutputs(rng, Array.from(observed.labels), probabilities));
  /** Softmax models are calibrated on log-probabilities, as hostProfile's outputs are. */
  const logOf = (outputs: Float32Array[], probabilities: boolean) => (probabilities ? outputs.map((o) => o.map(Math.log)) : outputs);
  const calibrated = [false, true].map((probabilities) => withCalibration(set, calibrateConfigurations(
    logOf(rawOutputs(rng, calibrationLabels, probabilities), probabilities), calibrationLabels, CLASSES), { input: 'synthetic', samples: calibrationLabels.length }));
  let dir: string;

  before(function () {
    requireTools(this, 'javac', 'java');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-codegen-'));
    fs.copyFileSync(path.join(REPO_ROOT, 'test/support/java/ReplayHarness.java'), path.join(dir, 'ReplayHarness.java'));
    traces.forEach((t) => traceFile(t, path.join(dir, `${t.name}.trace`)));
    fs.copyFileSync(path.join(REPO_ROOT, 'test/support/java/ObserveHarness.java'), path.join(dir, 'ObserveHarness.java'));
    observedOutputs.forEach((outputs, p) => {
      const lines = [`${COSTS.length} ${observed.labels.length} ${CLASSES}`];
      for (let t = 0; t < observed.labels.length; t++) lines.push(outputs.flatMap((o) => Array.from(o.subarray(t * CLASSES, (t + 1) * CLASSES), String)).join(' '));
      fs.writeFileSync(path.join(dir, `outputs${p}.trace`), lines.join('\n') + '\n');
    });
  });

  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  const expected = (spec: StrategySpec, trace: Trace) =>
    Array.from(simulate(trace, createStrategy(spec, strategyConfigurations(set))).timeline.index).join(' ');

  function generateAll(lang: Lang): string {
    const src = path.join(dir, `${lang}-src`);
    for (const [name, spec] of SPECS) {
      writeSources(src, generateSources(set, spec, { lang, package: `gen.${name}`, source: 'synthetic.json', strategyText: name }));
    }
    OBSERVED.forEach(([name, spec, probabilities], p) => {
      writeSources(src, generateSources(calibrated[p], spec, { lang, package: `gen.${name}`, source: 'synthetic.json', strategyText: name, probabilities }));
    });
    return src;
  }

  function replay(classpath: string): void {
    for (const trace of traces) {
      const lines = run('java', ['-cp', classpath, 'ReplayHarness', path.join(dir, `${trace.name}.trace`), ...SPECS.map(([n]) => `gen.${n}.MobiproxAdaptation`)]).trimEnd().split('\n');
      SPECS.forEach(([name, spec], i) => {
        const want = expected(spec, trace);
        assert.equal(lines[i], want, `${name} on trace ${trace.name} departs from the simulator`);
      });
    }
    // observe(): argmax and calibrated confidence computed by the engine from raw outputs, as traceFromOutputs does.
    OBSERVED.forEach(([name, spec, probabilities], p) => {
      const trace = traceFromOutputs(calibrated[p], logOf(observedOutputs[p], probabilities), observed.labels, CLASSES);
      const want = Array.from(simulate(trace, createStrategy(spec, strategyConfigurations(calibrated[p]))).timeline.index).join(' ');
      assert.ok(new Set(want.split(' ')).size >= 2, `${name} never moved`);
      const got = run('java', ['-cp', classpath, 'ObserveHarness', path.join(dir, `outputs${p}.trace`), `gen.${name}.MobiproxAdaptation`]).trimEnd();
      assert.equal(got, want, `${name}: observe() departs from the simulator`);
    });
  }

  it('the reference decisions move through every configuration (the replay can tell strategies apart)', () => {
    for (const [name, spec] of SPECS.filter(([, s]) => s.kind !== 'rules')) {
      const seen = new Set(expected(spec, traces[0]).split(' '));
      assert.ok(seen.size >= 2, `${name} never moved`);
    }
    assert.notEqual(expected(SPECS[6][1], traces[0]), expected(SPECS[7][1], traces[0]));
  });

  it('Java: compiles (javac -Xlint:all -Werror) and replays every strategy exactly', () => {
    const src = generateAll('java');
    const classes = path.join(dir, 'java-classes');
    run('javac', ['-Xlint:all', '-Werror', '-d', classes, ...javaFiles(src), path.join(dir, 'ReplayHarness.java'), path.join(dir, 'ObserveHarness.java')]);
    replay(classes);
  });

  /** The generated Kotlin's sources, the Kotlin and the Java files (the Java harnesses call the engines). */
  function kotlinSources(): { kt: string[]; java: string[] } {
    const src = generateAll('kotlin');
    return { kt: fs.readdirSync(src, { recursive: true }).map(String).filter((f) => f.endsWith('.kt')).map((f) => path.join(src, f)), java: javaFiles(src) };
  }

  /** javac compiles the harnesses against the classes kotlinc wrote, and they replay with that stdlib. */
  function replayKotlin(classes: string, java: string[], stdlib: string): void {
    run('javac', ['-cp', `${classes}${path.delimiter}${stdlib}`, '-d', classes, ...java, path.join(dir, 'ReplayHarness.java'), path.join(dir, 'ObserveHarness.java')]);
    replay(`${classes}${path.delimiter}${stdlib}`);
  }

  it('Kotlin 1.3: compiles with kotlinc -Werror (Debian\'s 1.3.31) and replays every strategy exactly', function () {
    const stdlib = kotlinStdlib();
    requireTools(this, 'kotlinc');
    if (!stdlib) unavailable(this, 'the Kotlin standard library (kotlin-stdlib.jar) is not beside kotlinc (toolchain/setup.sh installs kotlin).');
    const { kt, java } = kotlinSources();
    const classes = path.join(dir, 'kotlin-classes');
    run('kotlinc', ['-Werror', '-d', classes, ...kt, ...java]);
    replayKotlin(classes, java, stdlib);
  });

  it('Kotlin 2: compiles with a current compiler (kotlin-compiler-embeddable, -Werror) and replays every strategy exactly', function () {
    const compiler = kotlinCompiler(REPO_ROOT);
    if ('missing' in compiler) unavailable(this, compiler.missing);
    const { kt, java } = kotlinSources();
    const classes = path.join(dir, 'kotlin2-classes');
    const out = run('java', ['-cp', compiler.jars.join(path.delimiter), 'org.jetbrains.kotlin.cli.jvm.K2JVMCompiler',
      '-Werror', '-no-stdlib', '-no-reflect', '-classpath', compiler.stdlib, '-d', classes, ...kt, ...java]);
    assert.doesNotMatch(out, /warning|error/i, `Kotlin ${compiler.version} printed:\n${out}`);
    replayKotlin(classes, java, compiler.stdlib);
  });

  it('writes thresholds as 17-digit literals and +∞ as Double.POSITIVE_INFINITY', () => {
    const [java] = generateSources(set, { kind: 'confidence' }, { lang: 'java', package: 'p', source: 's', strategyText: 't' });
    const lessBelow = strategyConfigurations(set).thresholds!.lessBelow;
    assert.ok(lessBelow[4].every((v) => v === Infinity));
    assert.match(java.content, /\{Double\.POSITIVE_INFINITY, Double\.POSITIVE_INFINITY, Double\.POSITIVE_INFINITY, Double\.POSITIVE_INFINITY\}/);
    const literal = lessBelow[1][2].toPrecision(17);
    assert.ok(java.content.includes(literal));
    assert.equal(Number(literal), lessBelow[1][2]);
  });

  it('refuses a package name Java or Kotlin cannot use, and a strategy the set cannot support', () => {
    assert.throws(() => generateSources(set, { kind: 'naive' }, { lang: 'java', package: 'com.example.fun', source: 's', strategyText: 't' }), /'com\.example\.fun' is not a package name.*'fun'/);
    const bare: AdaptableSet = { ...set, configurations: set.configurations.map((c) => ({ ...c, host: { ...c.host!, confidence: undefined } })) };
    assert.throws(() => generateSources(bare, { kind: 'confidence' }, { lang: 'kotlin', package: 'p', source: 's', strategyText: 't' }), /needs per-class confidence thresholds/);
  });
});
