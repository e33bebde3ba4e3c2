/**
 * Under CI (CI=true) a tier whose tools, runtime or shared data are missing fails with the reason instead of
 * passing skipped; elsewhere it skips with the reason. Each tier's test file is run by mocha in a child
 * process on a machine made bare: an empty PATH, a runtime path that does not exist.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from './support/engine';

const MOCHA = path.join(REPO_ROOT, 'node_modules/mocha/bin/mocha.js');

/** The tiers that need tools (device-*, ui-devices) or the built runtime (support/engine's requireRuntime). */
const TIERS = ['device-virtual', 'device-profile', 'device-cli', 'ui-devices', 'cli'];

interface Outcome { code: number | null; passing: number; pending: number; failing: number; output: string }

function runTier(name: string, ci: boolean, bare: string): Outcome {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: bare, MOBIPROX_MPXRUN: path.join(bare, 'mpxrun') };
  delete env.CI;
  if (ci) env.CI = 'true';
  const r = spawnSync(process.execPath, [MOCHA, '--no-config', '--reporter', 'spec', '--timeout', '60000', `out/test/${name}.test.js`],
    { cwd: REPO_ROOT, env, encoding: 'utf8', timeout: 120_000 });
  const output = `${r.stdout}\n${r.stderr}`;
  const count = (what: string) => Number(new RegExp(`(\\d+) ${what}`).exec(output)?.[1] ?? 0);
  return { code: r.status, passing: count('passing'), pending: count('pending'), failing: count('failing'), output };
}

/** A requirement of support/ called in a child process, as a `before` hook would call it. */
function requirement(ci: boolean, call: string): { threw: string | undefined; skipped: boolean } {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.CI;
  if (ci) env.CI = 'true';
  const script = `
    const r = require(${JSON.stringify(path.join(REPO_ROOT, 'out/test/support/requirements.js'))});
    const e = require(${JSON.stringify(path.join(REPO_ROOT, 'out/test/support/engine.js'))});
    const ctx = { skip() { throw new Error('SKIPPED'); } };
    try { ${call}; console.log('PASSED'); } catch (x) { console.log(x.message === 'SKIPPED' ? 'SKIPPED' : 'THREW ' + x.message); }`;
  const out = spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8' }).stdout.trim().split('\n').pop() ?? '';
  return { threw: out.startsWith('THREW ') ? out.slice(6) : undefined, skipped: out === 'SKIPPED' };
}

describe('CI strictness: a missing tool, runtime or data set fails under CI=true', function () {
  this.timeout(600_000);
  let bare: string;

  before(() => {
    bare = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-bare-path-'));
  });

  after(() => fs.rmSync(bare, { recursive: true, force: true }));

  for (const tier of TIERS) {
    it(`${tier}: fails with the reason under CI=true, skips without it`, () => {
      const strict = runTier(tier, true, bare);
      assert.notEqual(strict.code, 0, `${tier} passed under CI=true without its tools:\n${strict.output}`);
      assert.ok(strict.failing > 0 && strict.pending === 0, `${tier}: ${strict.failing} failing, ${strict.pending} pending:\n${strict.output}`);
      assert.match(strict.output, /CI=true: a missing tool or data set fails the run instead of skipping it/);
      const lenient = runTier(tier, false, bare);
      assert.equal(lenient.code, 0, `${tier} failed without CI:\n${lenient.output}`);
      assert.ok(lenient.pending > 0, `${tier} skipped nothing without its tools:\n${lenient.output}`);
      assert.match(lenient.output, /skipped: /);
    });
  }

  it('requireTools, requireRuntime and requireShared throw under CI=true and skip otherwise', () => {
    const calls = [
      `r.requireTools(ctx, 'no-such-tool-${process.pid}')`,
      `(process.env.MOBIPROX_MPXRUN = '/nonexistent/mpxrun', e.requireRuntime(ctx))`,
      `e.requireShared(ctx, 'no-such-file-${process.pid}')`,
    ];
    for (const call of calls) {
      const strict = requirement(true, call);
      assert.match(strict.threw ?? '', /CI=true/, `${call} under CI=true`);
      const lenient = requirement(false, call);
      assert.ok(lenient.skipped, `${call} without CI: ${JSON.stringify(lenient)}`);
    }
  });
});
