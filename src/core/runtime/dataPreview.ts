/**
 * Is this data what the model was trained on? A tuning on wrongly preprocessed data (raw pixels for a
 * network trained on [0, 1], channels in the wrong place) measures every approximation against an exact
 * model that is already guessing, and its "configurations" mean nothing. The preview runs the exact model
 * on the first samples and compares its accuracy with chance, before any long work starts.
 */
import { MobiproxError } from '../errors';
import { NdArray, toNumbers } from '../data/ndarray';
import { readNpy } from '../data/npy';
import { DataConfig, describePreprocessing } from '../data/dataConfig';
import { prepareData } from './prepare';
import { runModel } from './mpxrun';

export interface DataPreview {
  samples: number;
  /** The exact model's top-1 accuracy on them, in percent. */
  accuracy: number;
  /** What always answering the most frequent label scores, in percent. */
  chance: number;
  /** Set when the accuracy is too close to chance to tune on: what to fix, in words. */
  problem?: string;
}

/** Above this share of the most frequent label (percent), the samples cannot tell a model from a guess. */
const MAX_JUDGED_CHANCE = 50;

/** Samples the preview runs on: enough that chance and a working model are far apart in accuracy. */
export const PREVIEW_SAMPLES = 200;

/** Throws when the input and label files look exchanged, naming both. */
export function checkNotSwapped(x: NdArray, input: string, y: NdArray, labels: string): void {
  const integer = (a: NdArray) => a.dtype !== 'float32' && a.dtype !== 'float64';
  if (x.shape.length === 1 && y.shape.length > 1 && integer(x)) {
    throw new MobiproxError(
      `${input} looks like labels ([${x.shape.join(', ')}], ${x.dtype}) and ${labels} like samples ` +
        `([${y.shape.join(', ')}], ${y.dtype}): are the input and the labels swapped?`,
      { file: input },
    );
  }
}

/** The exact model on the first samples of the configured data, against chance. */
export async function previewData(model: string, config: DataConfig, o: { samples?: number; signal?: AbortSignal } = {}): Promise<DataPreview> {
  checkNotSwapped(readNpy(config.input), config.input, readNpy(config.labels), config.labels);
  const data = prepareData({ model, input: config.input, labels: config.labels, preprocessing: config.preprocessing, limit: o.samples ?? PREVIEW_SAMPLES });
  try {
    const run = await runModel(data.mpxmPath, data.inputPath, { labels: data.labelsPath, signal: o.signal });
    const labels = toNumbers(readNpy(data.labelsPath!));
    return judge(run.accuracy ?? 0, labels, config);
  } finally {
    data.dispose();
  }
}

/**
 * Near chance: within a tenth of the way from chance to perfect (at least 5 points), which a trained
 * model on its own kind of data clears by far, and 200 samples' noise (about 3.5 points) does not reach.
 * Samples mostly of one class (a recording's first minutes of one activity) say nothing either way: a model
 * that always answers that class scores as well as a good one, so they are not judged.
 */
export function judge(accuracy: number, labels: ArrayLike<number>, config: DataConfig): DataPreview {
  const counts = new Map<number, number>();
  for (let i = 0; i < labels.length; i++) counts.set(labels[i], (counts.get(labels[i]) ?? 0) + 1);
  const chance = (100 * Math.max(0, ...counts.values())) / Math.max(labels.length, 1);
  const margin = Math.max(5, (100 - chance) / 10);
  const preview: DataPreview = { samples: labels.length, accuracy, chance };
  if (chance <= MAX_JUDGED_CHANCE && accuracy < chance + margin) {
    preview.problem =
      `the exact model scores ${accuracy.toFixed(1)} % on the first ${labels.length} samples of ${config.input}, ` +
      `about chance (${chance.toFixed(1)} %), with preprocessing: ${describePreprocessing(config.preprocessing)}. ` +
      'Give the preprocessing the model was trained with (scale, mean and std, channel order), check that the ' +
      'labels belong to these samples, or confirm the model itself is trained.';
  }
  return preview;
}
