/**
 * How the project is installed: npm reads no project setting it does not know (an unknown .npmrc key is
 * warned about on every npm and npx call), and every `npm ci` the README and CI run skips onnxruntime-node's
 * download of binaries the package does not ship through the environment variable its install script reads;
 * `npx mobiprox` runs the built command, which the README says to build first.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './support/engine';
import { requireTools } from './support/requirements';

describe('npm setup', () => {
  it('npm warns about no project config', function () {
    requireTools(this, 'npm');
    const r = spawnSync('npm', ['pkg', 'get', 'name'], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /Unknown (project|user|env) config/);
  });

  it("the README's command line section says npx mobiprox runs the build, before its first npx mobiprox", () => {
    const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### The command line'));
    const build = section.indexOf('`npm run build`');
    assert.ok(build >= 0 && build < section.indexOf('npx mobiprox inspect'), 'npm run build is not said before the commands');
    assert.match(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'), /"build": /);
  });

  it('every npm ci of the README and CI sets ONNXRUNTIME_NODE_INSTALL=skip', () => {
    for (const file of ['README.md', '.ci/run']) {
      const lines = fs.readFileSync(path.join(REPO_ROOT, file), 'utf8').split('\n').filter((l) => /\bnpm ci\b/.test(l) && !/`npm ci`/.test(l));
      assert.ok(lines.length > 0, `${file} runs no npm ci`);
      for (const line of lines) assert.match(line, /ONNXRUNTIME_NODE_INSTALL=skip npm ci\b/, `${file}: ${line}`);
    }
  });
});
