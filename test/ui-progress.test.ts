import * as assert from 'node:assert/strict';
import { TunePhase } from '../src/core/tuner/tune';
import { profileProgressStep, ProgressIncrements, tuneProgressStep } from '../src/ui/progressText';

describe('Progress of long work in the notification', () => {
  it('a tuning moves forward through its phases, from 0 to 100 %', () => {
    const phases: [TunePhase, number][] = [['prepare', 1], ['calibrate', 1], ['profile', 38], ['search', 1], ['validate', 4], ['test', 2], ['write', 1]];
    const fractions: number[] = [];
    for (const [phase, total] of phases) for (let done = 0; done <= total; done++) fractions.push(tuneProgressStep({ phase, done, total }).fraction);
    assert.equal(fractions[0], 0);
    assert.ok(Math.abs(fractions.at(-1)! - 1) < 1e-9);
    fractions.slice(1).forEach((f, i) => assert.ok(f >= fractions[i], `step ${i + 1} goes back: ${fractions[i]} → ${f}`));
    assert.equal(tuneProgressStep({ phase: 'validate', done: 3, total: 4 }).message, 'Validating candidates (3/4)');
    assert.equal(tuneProgressStep({ phase: 'write', done: 0, total: 1 }).message, 'Writing the configurations');
  });

  it('increments add up to the position and never move the bar back', () => {
    const inc = new ProgressIncrements();
    const steps = [0.1, 0.35, 0.3, 0.9, 1.2].map((fraction) => inc.next({ message: '', fraction }).increment);
    assert.deepEqual(steps.map((s) => Math.round(s * 1e9) / 1e9), [10, 25, 0, 55, 10]);
  });

  it('a profiling counts configurations', () => {
    assert.deepEqual(profileProgressStep({ completed: 2, total: 8, message: 'conf2 measured' }), { message: 'conf2 measured (2/8)', fraction: 0.25 });
  });
});
