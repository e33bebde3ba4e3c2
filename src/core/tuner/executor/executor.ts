/**
 * Where a tuning's heavy work runs. The work units are the same whatever runs them — single-knob profiles of
 * some (layer, knob) pairs, an int8 calibration pass, a measurement of a batch of configurations on a sample
 * set — and so are their results: profiles land in the tuner's cache under profiles.ts's names, measurements
 * come back as the runs validation.ts remembers. `local` runs them in processes on this machine; `slurm` as
 * Slurm array tasks on a cluster (slurmExecutor.ts). The cost model, the search and the empirical search's
 * runs stay with the tuner: they time or steer this machine.
 */
import type { CalibrationRecord } from '../../runtime/mpxrun';
import type { CalibrationJob } from '../int8Calibration';
import type { Pair, ProfileRequest } from '../profiles';
import type { MeasureJob, MeasuredRun } from '../validation';

export type ExecutorKind = 'local' | 'slurm';

export interface TuneExecutor {
  readonly kind: ExecutorKind;
  /** Runs the profiles of `pairs` and the exact one into `r.cache`, telling `onDone(n)` as n more are in. */
  profiles(r: ProfileRequest, pairs: readonly Pair[], onDone: (count: number) => void): Promise<void>;
  /** The runs of `job.choices`, `choice` indexing them. */
  measure(job: MeasureJob): Promise<MeasuredRun[]>;
  calibrate(job: CalibrationJob): Promise<CalibrationRecord>;
}
