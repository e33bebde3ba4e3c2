import { CompiledModel } from '../../core/compile';
import { formatKnobIds } from '../../core/knobs/catalog';
import type * as vscode from 'vscode';
import { measureLayerTimes } from '../../core/runtime/layerTimes';
import { familySpeedups, measureKnobSpeedups } from '../../core/tuner/knobSpeedups';
import { LoadedModel } from '../model/loadModel';
import { HostMessage, ModelOverview } from '../protocol/modelOverview';

/** What the overview page shows of a compiled model: everything but the .mpxm bytes. */
export function modelOverview(file: string, model: CompiledModel): ModelOverview {
  return {
    file,
    name: model.name,
    inputName: model.inputName,
    inputShape: model.inputShape,
    outputNames: model.outputNames,
    outputShapes: model.outputShapes,
    endsWithSoftmax: model.endsWithSoftmax,
    totalFlops: model.totalFlops,
    layers: model.layers.map((l) => ({
      index: l.index,
      name: l.name,
      op: l.op,
      outputShape: l.outputShape,
      flops: l.flops,
      knobs: l.knobs,
      knobSummary: formatKnobIds(l.knobs),
    })),
    graph: model.graph,
  };
}

export function overviewMessage(loaded: LoadedModel): HostMessage {
  return 'model' in loaded
    ? { type: 'overview', overview: modelOverview(loaded.file, loaded.model) }
    : { type: 'importFailed', failure: loaded.failure };
}

/** Each layer's time measured on the host, or why it could not be. */
export async function layerTimesMessage(model: CompiledModel, threads: number, log: vscode.LogOutputChannel): Promise<HostMessage> {
  try {
    const times = await measureLayerTimes(model, { threads });
    log.info(`layer times of ${model.name}: ${times.totalMs.toFixed(4)} ms per sample on ${times.cpu} (${times.kernels})`);
    return { type: 'layerTimes', times };
  } catch (e) {
    log.error(`measuring the layer times of ${model.name}: ${(e as Error).message}`);
    return { type: 'layerTimesFailed', message: (e as Error).message };
  }
}

/** Each layer's speedup under each knob family measured on the host, and which knobs the tuner offers, or why not. */
export async function knobSpeedupsMessage(model: CompiledModel, threads: number, log: vscode.LogOutputChannel): Promise<HostMessage> {
  try {
    const s = await measureKnobSpeedups(model, { threads });
    const layers = s.layers.filter((l) => l.knobs.length > 0).map((l) => ({ layer: l.layer, families: familySpeedups(l) }));
    const withheld = s.layers.reduce((n, l) => n + l.knobs.filter((k) => !k.offered).length, 0);
    log.info(`knob speedups of ${model.name} on ${s.cpu} (${s.kernels}): ${withheld} layer-knob pairs withheld`);
    return { type: 'knobSpeedups', knobs: { cpu: s.cpu, kernels: s.kernels, batch: s.batch, threads: s.threads, samples: s.samples, layers } };
  } catch (e) {
    log.error(`measuring the knob speedups of ${model.name}: ${(e as Error).message}`);
    return { type: 'knobSpeedupsFailed', message: (e as Error).message };
  }
}
