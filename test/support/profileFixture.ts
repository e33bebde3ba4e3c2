/**
 * The model and data of the device-profiling tests and benchmark: har-cnn on the UCI-HAR test set from
 * ../shared when present (standardized as its README says), else the project's har-mobiprox on its demo
 * slice; and configurations that exercise every kind of knob the model's layers take.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CompiledModel } from '../../src/core/compile';
import { INT8_KNOB, knob } from '../../src/core/knobs/catalog';
import { Configuration, exactConfiguration, formatHpvm } from '../../src/core/knobs/configuration';
import { calibrateModel } from '../../src/core/runtime/mpxrun';
import { quantByLayer } from '../../src/core/tuner/int8Calibration';
import { Preprocessing } from '../../src/core/data/preprocess';

export interface ProfileSubject {
  model: string;
  input: string;
  labels: string;
  preprocessing: Preprocessing;
  /** The command-line form of `preprocessing`. */
  preprocessingArgs: string[];
}

const REPO = path.resolve(__dirname, '../../..');
const SHARED = path.resolve(REPO, '../shared');

export function profileSubject(): ProfileSubject {
  const harCnn = path.join(SHARED, 'models/har-cnn.onnx');
  if (fs.existsSync(harCnn)) {
    return {
      model: harCnn,
      input: path.join(SHARED, 'datasets/uci-har/test_x.npy'),
      labels: path.join(SHARED, 'datasets/uci-har/test_y.npy'),
      preprocessing: { standardize: true },
      preprocessingArgs: ['--standardize'],
    };
  }
  return {
    model: path.join(REPO, 'media/models/har-mobiprox.onnx'),
    input: path.join(REPO, 'media/data/har-test-x.npy'),
    labels: path.join(REPO, 'media/data/har-test-y.npy'),
    preprocessing: {},
    preprocessingArgs: [],
  };
}

/** The model with each convolution's int8 quantisation, calibrated by `mpxrun calibrate` on the input. */
export async function calibrated(model: CompiledModel, mpxm: string, input: string): Promise<CompiledModel> {
  const byLayer = quantByLayer(await calibrateModel(mpxm, input, { batch: 16 }));
  return { ...model, layers: model.layers.map((l) => (byLayer.has(l.index) ? { ...l, quant: byLayer.get(l.index) } : l)) };
}

/**
 * `count` configurations: the exact one, then each convolution-capable layer in turn taking one of HPVM's
 * approximation knobs (perforation, sampling, their fp16 forms) with every other float op in fp16 on odd
 * configurations; the last one, when the model is calibrated, int8 on every convolution. Distinct,
 * deterministic, and covering the knob families.
 */
export function knobConfigurations(model: CompiledModel, count: number): Configuration[] {
  const slots = model.layers.map((l) => l.slots.map((s) => s.op));
  const approximable = model.layers.filter((l) => l.knobs.some((k) => k > 12 && !knob(k).int8));
  const int8 = model.layers.some((l) => l.quant);
  const configs: Configuration[] = [exactConfiguration(slots)];
  for (let c = 1; c < count - (int8 ? 1 : 0); c++) {
    const target = approximable[c % approximable.length];
    const knobs = target.knobs.filter((k) => k > 12 && !knob(k).int8);
    const choice = knobs[(c * 5) % knobs.length];
    const half = c % 2 === 1;
    configs.push({
      name: `conf${c}`, speedup: 1, energy: 1, accuracy: 0, qosLoss: 0,
      layers: model.layers.map((l) =>
        l.slots.map((s, i) => ({ op: s.op, knob: l === target && i === 0 ? choice : half && l.knobs.includes(12) ? 12 : 11 })),
      ),
    });
  }
  if (int8) {
    configs.push({
      name: `conf${count - 1}`, speedup: 1, energy: 1, accuracy: 0, qosLoss: 0,
      layers: model.layers.map((l) => l.slots.map((s, i) => (i === 0 && l.quant ? { op: s.op, knob: INT8_KNOB, quant: l.quant } : { op: s.op, knob: 11 }))),
    });
  }
  return configs;
}

export function hpvmText(configs: Configuration[]): string {
  return formatHpvm({ baselineTime: 0, configurations: configs });
}
