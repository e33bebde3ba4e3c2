/**
 * `mobiprox tune`'s progress without a terminal (a log, CI): lines per phase that only go forward, even
 * when the tuner's concurrent runs report out of order or a phase comes back.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { phaseLines } from '../src/cli/commands/tune';
import { TuneProgress } from '../src/core/tuner/tune';
import { cli } from './support/cli';
import { REPO_ROOT, requireRuntime } from './support/engine';

function linesOf(reports: [TuneProgress['phase'], number, number][]): string[] {
  const lines: string[] = [];
  const update = phaseLines((line) => lines.push(line));
  for (const [phase, done, total] of reports) update({ phase, done, total });
  return lines.map((l) => l.trimEnd());
}

describe('mobiprox tune: progress lines in a log', () => {
  it('prints a line when a phase starts and one per tenth of it', () => {
    const reports: [TuneProgress['phase'], number, number][] = [['prepare', 0, 1], ['prepare', 1, 1]];
    for (let done = 0; done <= 32; done++) reports.push(['validate', done, 32]);
    reports.push(['write', 1, 1], ['write', 1, 1]);
    assert.deepEqual(linesOf(reports), [
      'preparing data: 0/1', 'preparing data: 1/1',
      'validating: 0/32', 'validating: 4/32', 'validating: 7/32', 'validating: 10/32', 'validating: 13/32', 'validating: 16/32',
      'validating: 20/32', 'validating: 23/32', 'validating: 26/32', 'validating: 29/32', 'validating: 32/32',
      'writing: 1/1',
    ]);
  });

  it('never prints a count below (or at) the last one printed for the phase', () => {
    const lines = linesOf([
      ['validate', 0, 32], ['validate', 16, 32], ['validate', 1, 32], ['validate', 9, 32], ['validate', 16, 32],
      ['test', 0, 5],
      // the phase comes back, behind and then ahead of where it was
      ['validate', 3, 32], ['validate', 16, 32], ['validate', 17, 32], ['validate', 21, 32], ['validate', 20, 32],
      ['test', 0, 5], ['test', 1, 5],
    ]);
    assert.deepEqual(lines, [
      'validating: 0/32', 'validating: 16/32', 'test set: 0/5', 'validating: 17/32', 'validating: 21/32', 'test set: 1/5',
    ]);
    const last = new Map<string, number>();
    for (const line of lines) {
      const [, phase, done] = /^(.*): (\d+)\/\d+$/.exec(line)!;
      assert.ok(Number(done) > (last.get(phase) ?? -1), `'${line}' goes back from ${last.get(phase)}`);
      last.set(phase, Number(done));
    }
  });
});

describe('mobiprox tune: progress when stderr is a pipe (CLI)', function () {
  this.timeout(300_000);
  let dir: string;

  before(function () {
    requireRuntime(this);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-tune-progress-'));
  });

  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  it('prints phase lines that only go forward, and no progress bar', async () => {
    const media = path.join(REPO_ROOT, 'media');
    const r = await cli(['tune', path.join(media, 'models/har-mobiprox.onnx'), '--input', path.join(media, 'data/har-test-x.npy'),
      '--labels', path.join(media, 'data/har-test-y.npy'), '--tune-size', '32', '--test-size', '32', '--max-evals', '4',
      '--cache-dir', path.join(dir, 'cache'), '--out', path.join(dir, 'configs.json')]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /\r|\x1b\[/, 'a progress bar was drawn into the pipe');
    const last = new Map<string, number>();
    for (const line of r.stderr.trimEnd().split('\n')) {
      const m = /^([a-z -]+): (\d+)\/(\d+)$/.exec(line);
      assert.ok(m, `'${line}' is not a phase line`);
      assert.ok(Number(m[2]) > (last.get(m[1]) ?? -1), `'${line}' goes back from ${last.get(m[1])}`);
      last.set(m[1], Number(m[2]));
    }
    assert.ok(last.has('validating') && last.has('writing'), [...last.keys()].join(', '));
  });
});
