/**
 * The networks of the reproduction and the data each stage of the pipeline runs on. Every set is a file
 * of ../shared or a slice of one that the pipeline writes (rows are picked by index, so that the tuning,
 * device and calibration sets of a network never overlap unless said so).
 */
import * as path from 'node:path';
import { Preprocessing } from '../../src/core/data/preprocess';
import { buildHarImageSets, harImageSetPaths } from './harImageSets';
import { buildKwsSets, kwsSetPaths } from './kwsSets';

/** Rows of an .npy pair: a range in file order, or the first `count` of a seeded shuffle after `skip`. */
export interface Rows {
  input: string;
  labels: string;
  /** Group id per row (e.g. the subject), for one trace per group. */
  groups?: string;
  from?: number;
  count?: number;
  /** Take rows in this seed's shuffled order (skipping the first `from` of that order). */
  shuffleSeed?: number;
}

export interface Network {
  name: string;
  title: string;
  model: string;
  preprocessing: Preprocessing;
  /** Tuning: the first `tuneSize` rows tune, the next `testSize` are held out. */
  tune: Rows & { tuneSize: number; testSize: number };
  /** Profiled on the device: the trace data when the network adapts. */
  device: Rows;
  /** Adaptation: temperature calibration data; the device rows are the traces. */
  calibration?: Rows;
  /** Writes the sets above when the product builds them (they are not files of ../shared). */
  prepare?: () => void;
}

/** `workDir` holds the sets the pipeline builds itself. */
export function networks(shared: string, repo: string, workDir: string): Network[] {
  const har = (f: string) => path.join(shared, 'datasets/uci-har', f);
  const cifar = (f: string) => path.join(shared, 'datasets/cifar10', f);
  const speech = path.join(shared, 'datasets/speech-commands');
  const kws = kwsSetPaths(path.join(workDir, 'kws-sets'));
  const images = harImageSetPaths(path.join(workDir, 'har-images'));
  return [
    {
      name: 'har-cnn', title: 'HAR CNN (UCI-HAR)', model: path.join(shared, 'models/har-cnn.onnx'), preprocessing: { standardize: true },
      // Tuned on the training subjects, traced on the 9 test subjects (as the paper's Table 4).
      tune: { input: har('train_x.npy'), labels: har('train_y.npy'), shuffleSeed: 1, tuneSize: 1000, testSize: 1000 },
      calibration: { input: har('train_x.npy'), labels: har('train_y.npy'), shuffleSeed: 1, from: 2000, count: 1500 },
      device: { input: har('test_x.npy'), labels: har('test_y.npy'), groups: har('test_subject.npy') },
    },
    {
      name: 'mobilenetv2-har', title: 'MobileNetV2 (UCI-HAR signal images)', model: path.join(repo, 'media/models/mobilenetv2-har.onnx'), preprocessing: {},
      // The paper's HAR network. Tuned and calibrated on the 5 train subjects held out of fitting (the same
      // rows for both: the temperature is fitted to the exact model's confidences, not chosen by the tuner),
      // traced on the 9 test subjects in recording order.
      tune: { input: images.val.input, labels: images.val.labels, shuffleSeed: 1, tuneSize: 850, testSize: 852 },
      calibration: { input: images.val.input, labels: images.val.labels },
      device: { input: images.test.input, labels: images.test.labels, groups: images.test.groups },
      prepare: () => void buildHarImageSets(har(''), path.dirname(images.val.input)),
    },
    {
      name: 'resnet20', title: 'ResNet-20 (CIFAR-10)', model: path.join(shared, 'models/resnet20_cifar10.onnx'),
      preprocessing: { nhwc: true, scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
      tune: { input: cifar('test_x.npy'), labels: cifar('test_y.npy'), tuneSize: 1000, testSize: 1000 },
      // The rest of the test file: with 1000 images a device loss's 95 % interval spans some four points, too
      // wide to tell a configuration within 1 point from one past it; 8000 narrow it about threefold.
      device: { input: cifar('test_x.npy'), labels: cifar('test_y.npy'), from: 2000, count: 8000 },
    },
    {
      name: 'kws', title: 'KWS CNN (Speech Commands)', model: path.join(repo, 'media/models/kws-mobiprox.onnx'), preprocessing: {},
      // Tuned and calibrated on the validation speakers' clips (shuffled: the file is in class order; held out
      // from fitting, see kwsSets.ts); the noisy trace of test speakers, in its order, is what the device
      // profiles and the strategies replay.
      tune: { ...kws.val, shuffleSeed: 1, tuneSize: 222, testSize: 222 },
      calibration: kws.val,
      device: { input: kws.trace.input, labels: kws.trace.labels },
      prepare: () => buildKwsSets(speech, path.dirname(kws.trace.input)),
    },
  ];
}
