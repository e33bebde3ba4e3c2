/**
 * The usage snippet (Insert Usage Snippet, the `mobiprox` completion, USAGE.md): a class that compiles where it
 * is put, beside the generated classes, in Java (javac -Werror) and Kotlin 2; and the place it is inserted at,
 * never among a file's package and import lines.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AdaptableSet } from '../src/core/adapt/profiledSet';
import { Lang } from '../src/core/codegen/literals';
import { generateSources, writeSources } from '../src/core/codegen/generate';
import { snippetLine } from '../src/core/codegen/snippetPlacement';
import { usageSnippet } from '../src/core/codegen/wrapper';
import { compileModel } from '../src/core/compile';
import { exactConfiguration } from '../src/core/knobs/configuration';
import { CONFIGURATION_SET_FORMAT } from '../src/core/knobs/configurationSet';
import { REPO_ROOT } from './support/engine';
import { javaFiles, kotlinCompiler, run } from './support/jvm';
import { requireTools, unavailable } from './support/requirements';

/**
 * The two Android classes the snippet's asset loading calls. No Android SDK can be installed here, so these
 * stand in for android.jar's, with the same names and signatures: enough to compile against.
 */
const ANDROID_STAND_IN: Record<string, string> = {
  'android/content/Context.java': 'package android.content;\npublic abstract class Context {\n' +
    '    public abstract java.io.File getFilesDir();\n    public abstract android.content.res.AssetManager getAssets();\n}\n',
  'android/content/res/AssetManager.java': 'package android.content.res;\npublic final class AssetManager {\n' +
    '    public java.io.InputStream open(String fileName) throws java.io.IOException { throw new java.io.IOException(fileName); }\n}\n',
};

function set(): AdaptableSet {
  const model = compileModel(path.join(REPO_ROOT, 'media/models/har-mobiprox.onnx'), { name: 'har-mobiprox' });
  const exact = exactConfiguration(model.layers.map((l) => l.slots.map((s) => s.op)));
  return {
    format: CONFIGURATION_SET_FORMAT, version: 1, baselineTime: 0,
    model: { name: model.name, sha256: '', inputShape: model.inputShape, layers: exact.layers.map((l) => l.map((s) => s.op)) },
    configurations: [{ ...exact, host: { speedup: 1, accuracy: 0, qosLoss: 0, latencyMsPerSample: 1 } }],
  };
}

/** Generated classes in two packages, each with one form of the snippet (with and without assets). */
function sources(dir: string, lang: Lang): string {
  const src = path.join(dir, `${lang}-src`);
  for (const [pkg, assets] of [['gen.assets', true], ['gen.paths', false]] as const) {
    writeSources(src, generateSources(set(), { kind: 'naive' }, { lang, package: pkg, source: 's', strategyText: 'naive' }));
    const snippet = assets ? usageSnippet(lang, 'har-mobiprox.mpxm', 'har-mobiprox.configs.txt') : usageSnippet(lang);
    const file = path.join(src, pkg.replace('.', '/'), `MobiproxClassifier.${lang === 'java' ? 'java' : 'kt'}`);
    fs.writeFileSync(file, `package ${pkg}${lang === 'java' ? ';' : ''}\n\n${snippet}`);
  }
  for (const [file, text] of Object.entries(ANDROID_STAND_IN)) {
    fs.mkdirSync(path.dirname(path.join(src, file)), { recursive: true });
    fs.writeFileSync(path.join(src, file), text);
  }
  return src;
}

describe('the usage snippet', function () {
  this.timeout(300_000);
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-snippet-'))));
  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  it('goes after the package and import lines, and never into the middle of a line', () => {
    const kotlin = ['// header', 'package com.example', '', 'import a.B', 'import c.D', '', 'class App {', '    fun f() = 1', '}', ''].join('\n');
    assert.equal(snippetLine(kotlin, 0), 5, 'above the package: after the imports');
    assert.equal(snippetLine(kotlin, 3), 5, 'among the imports: after them');
    assert.equal(snippetLine(kotlin, 5), 5, 'a blank line after them: there');
    assert.equal(snippetLine(kotlin, 7), 8, 'inside a function: the next line');
    assert.equal(snippetLine(kotlin, 9), 9, 'the blank last line: there');
    assert.equal(snippetLine('class A', 0), 1, 'a file of one line: after it');
  });

  it('Java: compiles beside the generated classes (javac -Xlint:all -Werror), with and without assets', function () {
    requireTools(this, 'javac');
    const src = sources(dir, 'java');
    run('javac', ['-Xlint:all', '-Werror', '-d', path.join(dir, 'java-classes'), ...javaFiles(src)]);
    assert.ok(fs.existsSync(path.join(dir, 'java-classes/gen/assets/MobiproxClassifier.class')));
    assert.ok(fs.existsSync(path.join(dir, 'java-classes/gen/paths/MobiproxClassifier.class')));
  });

  it('Kotlin 2: compiles beside the generated classes (-Werror), with and without assets', function () {
    requireTools(this, 'java');
    const compiler = kotlinCompiler(REPO_ROOT);
    if ('missing' in compiler) unavailable(this, compiler.missing);
    const src = sources(dir, 'kotlin');
    const kt = (d: string): string[] => fs.readdirSync(d, { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile() && e.name.endsWith('.kt')).map((e) => path.join(e.parentPath ?? e.path, e.name));
    const classes = path.join(dir, 'kotlin-classes');
    const out = run('java', ['-cp', compiler.jars.join(path.delimiter), 'org.jetbrains.kotlin.cli.jvm.K2JVMCompiler',
      '-Werror', '-no-stdlib', '-no-reflect', '-classpath', compiler.stdlib, '-d', classes, ...kt(src), ...javaFiles(src)]);
    assert.doesNotMatch(out, /warning|error/i, `Kotlin ${compiler.version} printed:\n${out}`);
    assert.ok(fs.existsSync(path.join(classes, 'gen/assets/MobiproxClassifier.class')));
    assert.ok(fs.existsSync(path.join(classes, 'gen/paths/MobiproxClassifier.class')));
  });
});
