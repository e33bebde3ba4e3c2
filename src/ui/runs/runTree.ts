import * as path from 'node:path';
import { formatSpeedup } from '../format';
import { RunEntry } from './runLog';

/** The Runs view as plain data: one row per run, its configurations under it once it finished. */
export interface RunNode {
  kind: 'run';
  id: string;
  label: string;
  description: string;
  tooltip: string;
  status: RunEntry['status'];
  /** The configuration set to plot when the row is clicked; only for runs that wrote one. */
  configs?: string;
  children: RunConfigurationNode[];
}

export interface RunConfigurationNode {
  kind: 'configuration';
  id: string;
  label: string;
  description: string;
  configs: string;
}

const STATUS: Record<RunEntry['status'], string> = { running: 'running…', done: '', cancelled: 'cancelled', failed: 'failed' };

export function runNodes(runs: readonly RunEntry[], now = Date.now()): RunNode[] {
  return runs.map((r) => {
    const model = path.basename(r.model, path.extname(r.model));
    const configs = r.configurations ?? [];
    const best = configs.reduce((b, c) => (c.speedup > b.speedup ? c : b), { name: '', speedup: 1, qosLoss: 0 });
    const result = configs.length
      ? `${configs.length} configurations, up to ${formatSpeedup(best.speedup)} at ${best.qosLoss.toFixed(2)} loss`
      : '';
    const when = `${formatAge(now - (r.finishedAt ?? r.startedAt))} ago`;
    const status = r.status === 'running' ? runningText(r, now) : r.status === 'cancelled' && configs.length ? 'cancelled, kept' : STATUS[r.status];
    return {
      kind: 'run',
      id: r.id,
      label: `${r.kind === 'tuning' ? 'Tuning' : 'Profiling'} ${model}${r.device ? ` on ${r.device}` : ''}`,
      description: [status, result, r.status === 'running' ? '' : when].filter(Boolean).join(' · '),
      tooltip: [path.basename(r.configs), r.error].filter(Boolean).join('\n'),
      status: r.status,
      ...(configs.length ? { configs: r.configs } : {}),
      children: configs.map((c) => ({
        kind: 'configuration',
        id: `${r.id}/${c.name}`,
        label: c.name,
        description: `${formatSpeedup(c.speedup)} · loss ${c.qosLoss.toFixed(2)}`,
        configs: r.configs,
      })),
    };
  });
}

/**
 * "Validating candidates (16/32) · 45 % · about 2 min left": the phase, the share done and, once a twentieth
 * is done, the time left at the pace so far.
 */
function runningText(r: RunEntry, now: number): string {
  const p = r.progress;
  if (!p) return STATUS.running;
  const parts = [p.message, `${Math.floor(100 * p.fraction)} %`];
  if (p.fraction >= 0.05 && p.fraction < 1) parts.push(`about ${formatAge(((p.at - r.startedAt) * (1 - p.fraction)) / p.fraction)} left`);
  return parts.join(' · ');
}

/** 42 s, 3 min, 2 h, 5 d. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86400) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
}
