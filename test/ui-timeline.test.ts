import * as assert from 'node:assert/strict';
import { createStrategy, simulate, Trace } from '../src/core/adapt';
import { isWebviewMessage } from '../src/ui/protocol/timeline';
import { timelineView } from '../src/ui/timeline/timelineView';

/**
 * Three configurations over eight samples. The naive strategy approximates one step more after each
 * prediction that agrees with the previous one and steps back on a change.
 */
function trace(): Trace {
  const labels = [0, 0, 0, 0, 1, 1, 1, 1];
  return {
    name: 'subject 1',
    labels,
    predictions: [labels, labels, [0, 0, 0, 1, 1, 1, 0, 1]],
    confidences: [labels.map(() => 0.9), labels.map(() => 0.8), labels.map(() => 0.6)],
    costs: [1, 0.7, 0.4],
  };
}

describe('Strategy timeline view model and protocol', () => {
  it('follows the simulated choices: wrong predictions marked, saved inferences accumulated', () => {
    const t = trace();
    const result = simulate(t, createStrategy({ kind: 'naive' }, { count: 3, costs: t.costs }));
    const view = timelineView('har.profiled.json', 'naive, linear', ['conf0', 'conf1', 'conf2'], t.costs, [result]);
    const [tl] = view.traces;
    assert.deepEqual(tl.index, Array.from(result.timeline.index));
    assert.deepEqual(
      tl.mistakes,
      tl.index.flatMap((k, s) => (t.predictions[k][s] !== t.labels[s] ? [s] : [])),
    );
    let saved = 0;
    tl.index.forEach((k, s) => {
      saved += 1 - t.costs[k];
      assert.ok(Math.abs(tl.cumulativeSaving[s] - saved) < 1e-12);
    });
    // What was saved is what the relative cost says was not spent.
    assert.ok(Math.abs(tl.cumulativeSaving.at(-1)! - t.labels.length * (1 - result.relativeCost)) < 1e-9);
    assert.equal(tl.accuracy, result.accuracy);
    assert.deepEqual(view.configurations.map((c) => c.cost), t.costs);
    assert.deepEqual(JSON.parse(JSON.stringify(view)), view, 'plain JSON: no typed arrays cross');
  });

  it('refuses names and costs that do not line up', () => {
    assert.throws(() => timelineView('f', 's', ['conf0'], [1, 0.5], []), /1 configuration names for 2 costs/);
  });

  it('accepts only the ready message from the page', () => {
    assert.equal(isWebviewMessage({ type: 'ready' }), true);
    for (const bad of [null, {}, { type: 'show' }, 'ready']) assert.equal(isWebviewMessage(bad), false);
  });
});
