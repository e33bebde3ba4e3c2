import * as vscode from 'vscode';
import { ExecutorKind } from '../core/tuner/executor/executor';
import { PredictorKind } from '../core/tuner/tune';

/** The extension's settings (package.json contributes.configuration), read when a command starts. */
export interface Settings {
  adbPath?: string;
  ndkPath?: string;
  /** Runtime threads on this machine; undefined: the core's default. */
  threads?: number;
  tuning: {
    qosThreshold: number; tuneSize?: number; testSize?: number; maxEvals?: number; predictor: PredictorKind; shuffleSeed?: number;
    executor: ExecutorKind;
  };
  /** The slurm executor's partition, further sbatch options and shared work folder. */
  slurm: { partition?: string; options: string[]; workdir?: string };
  codegen: { package: string; lang: 'kotlin' | 'java' };
}

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration('mobiprox');
  const positive = (key: string): number | undefined => {
    const v = c.get<number>(key);
    return typeof v === 'number' && v > 0 ? v : undefined;
  };
  const text = (key: string): string | undefined => c.get<string>(key)?.trim() || undefined;
  const seed = c.get<number | null>('tuning.shuffleSeed');
  return {
    adbPath: text('adbPath'),
    ndkPath: text('ndkPath'),
    threads: positive('threads'),
    tuning: {
      qosThreshold: c.get<number>('tuning.qosThreshold', 3),
      tuneSize: positive('tuning.tuneSize'),
      testSize: positive('tuning.testSize'),
      maxEvals: positive('tuning.maxEvals'),
      predictor: c.get<PredictorKind>('tuning.predictor', 'p1'),
      shuffleSeed: typeof seed === 'number' && seed >= 0 ? seed : undefined,
      executor: c.get<ExecutorKind>('tuning.executor', 'local'),
    },
    slurm: {
      partition: text('slurm.partition'),
      options: (c.get<string[]>('slurm.options') ?? []).map((o) => o.trim()).filter((o) => o),
      workdir: text('slurm.workdir'),
    },
    codegen: { package: c.get<string>('codegen.package', 'com.example.mobiprox'), lang: c.get<'kotlin' | 'java'>('codegen.language', 'kotlin') },
  };
}
