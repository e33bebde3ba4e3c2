/** The local executor: the work units run in processes on this machine (the runner's `processes`). */
import { calibrateHere } from '../int8Calibration';
import { profileInto } from '../profiles';
import { measureHere } from '../validation';
import { TuneExecutor } from './executor';

export const localExecutor: TuneExecutor = {
  kind: 'local',
  profiles: (r, pairs, onDone) => profileInto(r.cache, r, pairs, onDone),
  measure: measureHere,
  calibrate: calibrateHere,
};
