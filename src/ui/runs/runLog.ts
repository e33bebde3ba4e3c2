import { ConfigurationSet } from '../../core/knobs/configurationSet';

export type RunKind = 'tuning' | 'profiling';
export type RunStatus = 'running' | 'done' | 'cancelled' | 'failed';

/** One configuration of a finished run, as measured by it. */
export interface RunConfiguration {
  name: string;
  speedup: number;
  qosLoss: number;
}

export interface RunEntry {
  id: string;
  kind: RunKind;
  /** The model's file (absolute path). */
  model: string;
  /** The configuration set the run writes (absolute path). */
  configs: string;
  /** For a profiling: the device's serial. */
  device?: string;
  startedAt: number;
  finishedAt?: number;
  status: RunStatus;
  /** The error's sentence, for a failed run. */
  error?: string;
  configurations?: RunConfiguration[];
  /** While running: the phase in words with its counts, the fraction done (0..1) and when it was reported. */
  progress?: { message: string; fraction: number; at: number };
}

/** Where the log is kept between sessions (the workspace's memento in the extension, an array in tests). */
export interface RunStorage {
  load(): RunEntry[];
  save(runs: RunEntry[]): void;
}

/** Older runs are dropped: the view is a recent history, the files stay on disk. */
const KEPT = 50;
/** Progress changes many times a second; the workspace's storage need not. */
const PROGRESS_SAVE_MS = 2000;

/** The tunings and profilings of this workspace, newest first; a run left running by a closed window failed. */
export class RunLog {
  private runs: RunEntry[];
  private readonly listeners = new Set<() => void>();
  private savedAt = 0;

  constructor(private readonly storage: RunStorage) {
    this.runs = storage.load().map((r) => (r.status === 'running' ? { ...r, status: 'failed', error: 'The window closed while it ran.' } : r));
  }

  get all(): readonly RunEntry[] {
    return this.runs;
  }

  onChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  start(run: Omit<RunEntry, 'id' | 'status' | 'startedAt'>, now = Date.now()): RunEntry {
    const entry: RunEntry = { ...run, id: `${run.kind}-${now}-${this.runs.length}`, status: 'running', startedAt: now };
    this.runs = [entry, ...this.runs].slice(0, KEPT);
    this.changed();
    return entry;
  }

  /** A running run's progress; kept in memory at once, written to storage at most every PROGRESS_SAVE_MS. */
  progress(id: string, step: { message: string; fraction: number }, now = Date.now()): void {
    this.runs = this.runs.map((r) => (r.id === id && r.status === 'running' ? { ...r, progress: { ...step, at: now } } : r));
    if (now - this.savedAt >= PROGRESS_SAVE_MS) this.storage.save(this.runs), (this.savedAt = now);
    for (const l of this.listeners) l();
  }

  finish(id: string, outcome: { status: Exclude<RunStatus, 'running'>; set?: ConfigurationSet; error?: string }, now = Date.now()): void {
    this.runs = this.runs.map((r) =>
      r.id !== id
        ? r
        : {
            ...r,
            status: outcome.status,
            finishedAt: now,
            progress: undefined,
            ...(outcome.error !== undefined ? { error: outcome.error } : {}),
            ...(outcome.set ? { configurations: runConfigurations(outcome.set, r.kind) } : {}),
          },
    );
    this.changed();
  }

  /** The newest finished run with configurations, e.g. for Show Pareto Plot without arguments. */
  latestResult(): RunEntry | undefined {
    return this.runs.find((r) => r.configurations && r.configurations.length > 0);
  }

  private changed(): void {
    this.storage.save(this.runs);
    for (const l of this.listeners) l();
  }
}

/** Each configuration's figures as the run measured them: the device's for a profiling, the host's for a tuning. */
export function runConfigurations(set: ConfigurationSet, kind: RunKind): RunConfiguration[] {
  return set.configurations.map((c) => {
    const m = (kind === 'profiling' ? c.device : c.host) ?? c;
    return { name: c.name, speedup: m.speedup, qosLoss: m.qosLoss };
  });
}
