/**
 * Profile on Device / `mobiprox profile`: a set of a model measured on a device and written with what it
 * was profiled on, so that a later simulation knows which labels its recorded outcomes belong to.
 */
import * as path from 'node:path';
import { Preprocessing } from '../data/preprocess';
import { readNpy } from '../data/npy';
import { AdbServer } from '../device/adbServer';
import { DeviceProfile, DeviceProfileControl, DeviceProfileOptions, profileOnDevice } from '../device/profile';
import { writeFileAtomic } from '../fsutil';
import { ProfiledData, labelsSha256, toHpvm, writeConfigurationSet } from '../knobs/configurationSet';
import { selectConfigurations } from '../knobs/selectConfigurations';
import { prepareData } from '../runtime/prepare';
import { readSetToProfile } from './setOfModel';

export interface ProfileSetRequest extends Omit<DeviceProfileOptions, 'adb' | 'data' | 'set'> {
  model: string;
  /** Mobiprox JSON of this model, or HPVM text. */
  configs: string;
  /** Only these configurations (and the exact one); default all. */
  names?: readonly string[];
  input: string;
  labels: string;
  /** Only the first `limit` samples. */
  limit?: number;
  preprocessing?: Preprocessing;
  /** The adb server, asked for once everything the host can check has been checked. */
  adb: () => AdbServer | Promise<AdbServer>;
  /** The profiled set, Mobiprox JSON. */
  out: string;
  /** The same as HPVM text. */
  hpvmOut?: string;
}

export interface ProfiledSet extends DeviceProfile {
  /** Samples each configuration ran on. */
  samples: number;
}

export async function profileSet(r: ProfileSetRequest, control: DeviceProfileControl = {}): Promise<ProfiledSet> {
  const { model, configs, names, input, labels, limit, preprocessing, adb, out, hpvmOut, ...options } = r;
  const data = prepareData({ model, input, labels, limit, preprocessing: preprocessing ?? {} });
  try {
    const set = selectConfigurations(readSetToProfile(configs, model, data), names);
    const result = await profileOnDevice({ ...options, adb: await adb(), data, set }, control);
    const profiledOn: ProfiledData = {
      input: path.resolve(input), labels: path.resolve(labels), samples: data.samples,
      ...(limit !== undefined ? { limit } : {}), labelsSha256: labelsSha256(readNpy(data.labelsPath!).data as Int32Array),
    };
    const profiled = { ...result.set, profiledOn };
    writeConfigurationSet(out, profiled);
    if (hpvmOut) writeFileAtomic(hpvmOut, toHpvm(profiled));
    return { ...result, set: profiled, samples: data.samples };
  } finally {
    data.dispose();
  }
}
