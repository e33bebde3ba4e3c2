/**
 * The native runtime's own C tests, as native-runtime/CMakeLists.txt registers them in build/host (npm run
 * build:native builds them: MPX_TESTS is on by default): test_kernels, test_runtime on the models
 * make_test_model.py writes, the loader fuzzers, and JniSmoke through the JNI wrapper. ctest runs them all;
 * a failure shows ctest's output, which names the failing test and prints what it printed.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './support/engine';
import { requireTools, unavailable } from './support/requirements';

const BUILD = path.join(REPO_ROOT, 'build/host');
/** The tests CMake registers when python3 (the test models) and a JDK (JniSmoke) are present. */
const EXPECTED = ['test_kernels', 'make_test_models', 'test_runtime', 'fuzz_loader', 'fuzz_loader_ops', 'test_jni'];

describe('native runtime: the C tests (ctest in build/host)', function () {
  this.timeout(900_000);
  let registered: string[] = [];

  before(function () {
    requireTools(this, 'ctest');
    if (!fs.existsSync(path.join(BUILD, 'CTestTestfile.cmake'))) unavailable(this, `${BUILD} holds no C tests: npm run build:native builds them.`);
    const r = spawnSync('ctest', ['-N'], { cwd: BUILD, encoding: 'utf8' });
    assert.equal(r.status, 0, `ctest -N in ${BUILD} failed:\n${r.stdout}\n${r.stderr}`);
    registered = [...r.stdout.matchAll(/Test +#\d+: (\S+)/g)].map((m) => m[1]);
  });

  it('registers test_kernels, test_runtime, the loader fuzzers and JniSmoke', function () {
    requireTools(this, 'python3', 'javac', 'java');
    const missing = EXPECTED.filter((t) => !registered.includes(t));
    assert.deepEqual(missing, [], `${BUILD} registers ${registered.join(', ') || 'no test'}: was it configured before python3 or ` +
      'the JDK was installed? Remove it and run npm run build:native.');
  });

  it('passes every C test', () => {
    const r = spawnSync('ctest', ['--output-on-failure'], { cwd: BUILD, encoding: 'utf8', maxBuffer: 64 << 20 });
    const output = `${r.stdout}\n${r.stderr}`.trim();
    assert.equal(r.status, 0, `ctest in ${BUILD} failed (${r.status ?? r.signal}):\n${output.slice(-8000)}`);
    assert.match(r.stdout, /100% tests passed/, output.slice(-8000));
  });
});
