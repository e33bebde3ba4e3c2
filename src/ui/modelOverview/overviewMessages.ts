import { CompiledModel } from '../../core/compile';
import { formatKnobIds } from '../../core/knobs/catalog';
import type * as vscode from 'vscode';
import { measureLayerTimes } from '../../core/runtime/layerTimes';
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
