/**
 * The tuner's two output files round-trip: the HPVM text (with and without Mobiprox's confidence triples)
 * parses back to what was formatted, the JSON set converts to HPVM text that parses back to the same
 * configurations, and the runtime loads both forms through `mobiprox run --configs` identically.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compileModel } from '../src/core/compile';
import { ConfigurationFile, formatHpvm, parseHpvm } from '../src/core/knobs/configuration';
import {
  CONFIGURATION_SET_FORMAT, ConfigurationSet, readConfigurationSet, toHpvm, writeConfigurationSet,
} from '../src/core/knobs/configurationSet';
import { choicesToHpvm, configurationLayers } from '../src/core/tuner/knobSpace';
import { REPO_ROOT } from './support/engine';
import { Random } from './support/random';

const MODEL = path.join(REPO_ROOT, 'media/models/har-mobiprox.onnx');

/** Random knob per layer among those the layer takes. */
function randomChoice(r: Random, knobs: number[][]): number[] {
  return knobs.map((ks) => ks[r.int(0, ks.length - 1)]);
}

describe('tuner output formats', () => {
  const model = compileModel(MODEL);
  // a calibration as the tuner attaches it, so that the choices include int8 knobs with their quantisation
  const layers = model.layers.map((l, i) => ({ ...l, quant: { scale: Math.fround(0.01 * (i + 1)), zero: i % 2 ? 0 : 128 } as const }));
  const knobs = layers.map((l) => l.knobs);

  it('HPVM text with confidence triples parses back to the same configurations and formats identically', () => {
    const r = new Random(5);
    const file: ConfigurationFile = {
      baselineTime: 0.0812,
      configurations: Array.from({ length: 6 }, (_, i) => ({
        name: `conf${i}`, speedup: 1 + r.uniform(0, 1) * 2, energy: 1, accuracy: 80 + r.uniform(0, 1) * 10, qosLoss: r.uniform(0, 1) * 3,
        confidence: i % 2 ? Array.from({ length: 7 }, () => ({ mean: r.uniform(0, 1), correct: r.uniform(0, 1), wrong: r.uniform(0, 1) })) : undefined,
        layers: configurationLayers(layers, randomChoice(r, knobs)),
      })),
    };
    const text = formatHpvm(file);
    const parsed = parseHpvm(text);
    assert.equal(formatHpvm(parsed), text);
    parsed.configurations.forEach((c, i) => {
      assert.deepEqual(c.layers, file.configurations[i].layers);
      assert.equal(c.confidence?.length, file.configurations[i].confidence?.length);
      assert.ok(Math.abs(c.speedup - file.configurations[i].speedup) < 1e-6);
    });
  });

  it('a JSON set survives writing, reading and conversion to HPVM text', () => {
    const r = new Random(9);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-formats-'));
    try {
      const set: ConfigurationSet = {
        format: CONFIGURATION_SET_FORMAT, version: 1, baselineTime: 0.07,
        model: { name: model.name, sha256: 'ab'.repeat(32), inputShape: model.inputShape, layers: model.layers.map((l) => l.slots.map((s) => s.op)) },
        configurations: Array.from({ length: 4 }, (_, i) => ({
          name: `conf${i}`, speedup: 1 + i * 0.3, energy: 1, accuracy: 90 - i, qosLoss: i,
          layers: configurationLayers(layers, randomChoice(r, knobs)),
          predicted: { speedup: 1 + i * 0.31, qosLoss: i * 0.9, accuracy: 90 - i * 0.9 },
          host: { speedup: 1 + i * 0.3, accuracy: 90 - i, qosLoss: i, testAccuracy: 89 - i, latencyMsPerSample: 0.07 / (1 + i * 0.3) },
        })),
      };
      const file = path.join(dir, 'set.json');
      writeConfigurationSet(file, set);
      const back = readConfigurationSet(file);
      assert.deepEqual(back, set);
      const hpvm = parseHpvm(toHpvm(back));
      assert.deepEqual(hpvm.configurations.map((c) => c.layers), set.configurations.map((c) => c.layers));
      assert.deepEqual(hpvm.configurations.map((c) => c.name), set.configurations.map((c) => c.name));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the runtime file of tuner choices lists the exact configuration first, then each choice', () => {
    const r = new Random(3);
    const choices = Array.from({ length: 3 }, () => randomChoice(r, knobs));
    const parsed = parseHpvm(choicesToHpvm(layers, choices));
    assert.equal(parsed.configurations.length, 4);
    assert.ok(parsed.configurations[0].layers.every((slots) => slots.every((s) => s.knob === 11)));
    parsed.configurations.slice(1).forEach((c, i) => assert.deepEqual(c.layers.map((slots) => slots[0].knob), choices[i]));
  });
});
