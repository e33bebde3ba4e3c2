/**
 * Runs many configurations of one model on one sample set with the native runtime: the configurations go
 * into one HPVM file, and chunks of them to `processes` concurrent `mpxrun profile` processes (one model
 * load per chunk; a chunk is the unit of progress and of what a cancellation loses). Every chunk also runs
 * the exact configuration, so each measured latency has a baseline timed in the same process.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LayerInfo } from '../compile';
import { ProfileRecord, profileModel } from '../runtime/mpxrun';
import { choicesToHpvm } from './knobSpace';

export interface RunnerOptions {
  processes: number;
  threads: number;
  batch: number;
  /** Re-run each configuration only from its first approximated op (accuracy only; latencies meaningless). */
  reusePrefix?: boolean;
  perSample?: boolean;
  /** Writes the outputs of choice i to DIR/<i + 1>.npy (runtime index). */
  saveOutputsDir?: string;
  opTimes?: boolean;
  /** Only the first samples of the set. */
  limit?: number;
  repeat?: number;
  /** The model ends in Softmax: its outputs are the confidences. */
  probabilities?: boolean;
  /** Chunks per process: more report progress sooner, fewer pay less per-process overhead. */
  chunksPerProcess?: number;
  signal?: AbortSignal;
}

export interface ChoiceResult {
  /** Index into the choices run. */
  choice: number;
  record: ProfileRecord;
  /** The exact configuration, run by the same process. */
  baseline: ProfileRecord;
}

/**
 * Runs `choices` and calls `onResult` for each as it completes. Resolves when all are done; rejects on the
 * first failure or on abort (results already delivered stay delivered).
 */
export async function runChoices(
  mpxm: string, set: { inputPath: string; labelsPath: string }, layers: readonly LayerInfo[],
  choices: readonly (readonly number[])[], o: RunnerOptions, onResult: (r: ChoiceResult) => void,
  workDir: string,
): Promise<void> {
  if (choices.length === 0) return;
  const configs = path.join(workDir, `configs-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}.txt`);
  fs.writeFileSync(configs, choicesToHpvm(layers, choices));
  try {
    const chunks = splitEvenly(choices.length, Math.max(1, o.processes * (o.chunksPerProcess ?? 4)));
    let next = 0;
    const worker = async () => {
      while (next < chunks.length) {
        if (o.signal?.aborted) return;
        const chunk = chunks[next++];
        let baseline: ProfileRecord | undefined;
        const only = [0, ...chunk.map((i) => i + 1)];
        for await (const record of profileModel(mpxm, set.inputPath, set.labelsPath, configs, {
          only, batch: o.batch, threads: o.threads, warmup: o.reusePrefix ? 0 : 1, reusePrefix: o.reusePrefix,
          perSample: o.perSample, saveOutputsDir: o.saveOutputsDir, opTimes: o.opTimes, limit: o.limit, repeat: o.repeat, probabilities: o.probabilities,
          signal: o.signal,
        })) {
          if (record.index === 0) baseline = record;
          else onResult({ choice: record.index - 1, record, baseline: baseline! });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(o.processes, chunks.length) }, worker));
    if (o.signal?.aborted) throw abortError();
  } finally {
    fs.rmSync(configs, { force: true });
  }
}

/** 0..n-1 in `parts` contiguous runs of nearly equal length. */
function splitEvenly(n: number, parts: number): number[][] {
  const k = Math.min(parts, n);
  return Array.from({ length: k }, (_, p) => {
    const from = Math.floor((p * n) / k);
    const to = Math.floor(((p + 1) * n) / k);
    return Array.from({ length: to - from }, (_, i) => from + i);
  });
}

export function abortError(): Error {
  const e = new Error('The operation was cancelled.');
  e.name = 'AbortError';
  return e;
}

export const isAbort = (e: unknown): boolean => e instanceof Error && e.name === 'AbortError';
