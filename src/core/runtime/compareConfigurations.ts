/**
 * Two configurations of a set side by side, measured now on the host over the model's data: the knob each
 * takes per layer with the layer's measured time under it, and the accuracy per class, where an
 * approximation's loss usually concentrates (a frontier point's one number hides that).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataConfig } from '../data/dataConfig';
import { readNpy } from '../data/npy';
import { toNumbers } from '../data/ndarray';
import { MobiproxError } from '../errors';
import { EXACT_KNOB, knobTitle } from '../knobs/catalog';
import { ConfigurationSet, checkConfigurationsFit, toHpvm } from '../knobs/configurationSet';
import { ProfileRecord, modelInfo, profileModel } from './mpxrun';
import { prepareData } from './prepare';

export interface LayerComparison {
  layer: number;
  ops: string;
  /** Each configuration's knob of the layer in words ("exact fp32" for none). */
  knobs: [string, string];
  /** Each configuration's milliseconds per sample in the layer. */
  ms: [number, number];
}

export interface ClassComparison {
  label: number;
  samples: number;
  /** Top-1 accuracy on the class's samples, in percent. */
  accuracy: [number, number];
}

export interface Comparison {
  names: [string, string];
  samples: number;
  accuracy: [number, number];
  /** Milliseconds per sample of the whole model. */
  totalMs: [number, number];
  layers: LayerComparison[];
  classes: ClassComparison[];
}

export interface CompareOptions {
  limit?: number;
  batch?: number;
  threads?: number;
  signal?: AbortSignal;
}

/** `setFile` names the set in messages: a configuration that does not fit the model is refused before any run. */
export async function compareConfigurations(
  model: string, set: ConfigurationSet, names: [string, string], data: DataConfig, o: CompareOptions & { setFile?: string } = {},
): Promise<Comparison> {
  const picked = names.map((n) => {
    const c = set.configurations.find((x) => x.name === n);
    if (!c) throw new MobiproxError(`The set has no configuration ${n}.`, { value: n });
    return c;
  });
  const prepared = prepareData({ model, input: data.input, labels: data.labels, preprocessing: data.preprocessing, limit: o.limit });
  try {
    checkConfigurationsFit(picked, prepared.model.layers, o.setFile ?? 'the configuration set', prepared.model.name);
  } catch (e) {
    prepared.dispose();
    throw e;
  }
  try {
    const configs = path.join(prepared.workDir, 'compare.txt');
    fs.writeFileSync(configs, toHpvm({ ...set, configurations: picked }));
    const labels = toNumbers(readNpy(prepared.labelsPath!));
    const records: ProfileRecord[] = [];
    for await (const r of profileModel(prepared.mpxmPath, prepared.inputPath, prepared.labelsPath!, configs, {
      perSample: true, opTimes: true, batch: o.batch ?? 8, threads: o.threads ?? 1, signal: o.signal,
    })) records[r.index] = r;
    const info = await modelInfo(prepared.mpxmPath);
    const batch = o.batch ?? 8;
    const layerMs = (r: ProfileRecord, l: number) =>
      [...new Set(info.layers[l].slots.map((s) => s.opIndex))].reduce((sum, op) => sum + (r.opTimes?.[op]?.ms ?? 0), 0) / batch;
    const layers = set.model.layers.map((ops, l): LayerComparison => ({
      layer: l + 1,
      ops: ops.join(' + '),
      knobs: picked.map((c) => knobTitle(c.layers[l]?.[0]?.knob ?? EXACT_KNOB)) as [string, string],
      ms: records.map((r) => layerMs(r, l)) as [number, number],
    }));
    const classes = [...new Set(Array.from(labels))].sort((a, b) => a - b).map((label): ClassComparison => {
      const rows = Array.from(labels.keys()).filter((i) => labels[i] === label);
      return {
        label, samples: rows.length,
        accuracy: records.map((r) => (100 * rows.filter((i) => r.predictions![i] === label).length) / rows.length) as [number, number],
      };
    });
    return {
      names, samples: labels.length,
      accuracy: records.map((r) => r.accuracy) as [number, number],
      totalMs: records.map((r) => (r.opTimes ?? []).reduce((s, t) => s + t.ms, 0) / batch) as [number, number],
      layers, classes,
    };
  } finally {
    prepared.dispose();
  }
}
