import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, Option } from 'commander';
import { clipFeatures } from '../../core/audio/features';
import { DEFAULT_TRACE, TraceDescription, buildNoisyTrace } from '../../core/audio/noisyTrace';
import { Clip, SPLITS, Split, datasetClips, isDatasetRoot, labelOf } from '../../core/audio/speechCommands';
import { writeNpy } from '../../core/data/npy';
import { MobiproxError } from '../../core/errors';
import { writeFileAtomic } from '../../core/fsutil';
import { checkWritableFolder, finiteNumber, nonNegativeInt, positiveInt } from '../options';

export function register(program: Command): void {
  const kws = program.command('kws').description('keyword spotting: log-mel features and noisy traces from WAV clips');

  kws
    .command('features <paths...>')
    .description('log-mel features [N, 1, 40, 101] of WAV clips: files, folders of .wav, or a Speech Commands root')
    .requiredOption('--out <x.npy>', 'features file')
    .option('--labels <y.npy>', 'also write class indices (int32), from each clip\'s class folder')
    .addOption(new Option('--split <split>', 'of a Speech Commands root: only this speaker split').choices(SPLITS))
    .option('--exclude-trace <trace.json>', "leave out the clips of a trace (from 'kws trace'), e.g. to tune on the other held-out clips")
    .action((paths: string[], o: { out: string; labels?: string; split?: Split; excludeTrace?: string }) => {
      checkWritableFolder(o.out, '--out');
      if (o.labels) checkWritableFolder(o.labels, '--labels');
      const excluded = o.excludeTrace ? traceClips(o.excludeTrace) : new Set<string>();
      const clips = paths.flatMap((p) => clipsAt(p, o.split)).filter((c) => !excluded.has(classAndName(c.file)));
      if (clips.length === 0) throw new MobiproxError(`No .wav clips in ${paths.join(', ')}.`);
      if (o.labels) {
        const unlabelled = clips.find((c) => c.label < 0);
        if (unlabelled) {
          throw new MobiproxError(`--labels: ${unlabelled.file} is not in a class folder (yes, no, …, _silence_, _unknown_).`, { file: unlabelled.file });
        }
      }
      const x = clipFeatures(clips.map((c) => c.file));
      writeNpy(o.out, x);
      if (o.labels) writeNpy(o.labels, { dtype: 'int32', shape: [clips.length], data: Int32Array.from(clips, (c) => c.label) });
      process.stdout.write(`${clips.length} clips → ${o.out} [${x.shape.join(', ')}]${o.labels ? `, ${o.labels}` : ''}\n`);
    });

  kws
    .command('trace')
    .description('the noisy keyword trace: held-out utterances in white noise that goes quiet → loud → quiet')
    .requiredOption('--data <dir>', 'Speech Commands root (one folder per class)')
    .requiredOption('--out-dir <dir>', 'writes x.npy, y.npy, snr.npy and trace.json here')
    .option('--utterances <n>', 'utterances in the trace', positiveInt, DEFAULT_TRACE.utterances)
    .option('--seed <s>', 'utterance order and noise', nonNegativeInt, DEFAULT_TRACE.seed)
    .option('--snr-high <dB>', 'SNR at the start and end', finiteNumber, DEFAULT_TRACE.snrHigh)
    .option('--snr-low <dB>', 'SNR in the middle', finiteNumber, DEFAULT_TRACE.snrLow)
    .action((o: { data: string; outDir: string; utterances: number; seed: number; snrHigh: number; snrLow: number }) => {
      if (!fs.existsSync(o.data)) throw new MobiproxError(`--data ${o.data} does not exist.`, { file: o.data });
      const trace = buildNoisyTrace(o.data, { utterances: o.utterances, seed: o.seed, snrHigh: o.snrHigh, snrLow: o.snrLow });
      const out = (f: string) => path.join(o.outDir, f);
      writeNpy(out('x.npy'), trace.x);
      writeNpy(out('y.npy'), trace.y);
      writeNpy(out('snr.npy'), trace.snr);
      writeFileAtomic(out('trace.json'), JSON.stringify(trace.description, null, 2) + '\n');
      process.stdout.write(
        `${o.utterances} utterances, SNR ${o.snrHigh} → ${o.snrLow} → ${o.snrHigh} dB → ${o.outDir}/{x,y,snr}.npy, trace.json\n`,
      );
    });
}

/** A clip's identity within the data set: its class folder and file name. */
function classAndName(file: string): string {
  return `${path.basename(path.dirname(path.resolve(file)))}/${path.basename(file)}`;
}

function traceClips(file: string): Set<string> {
  let list: unknown;
  try {
    list = (JSON.parse(fs.readFileSync(file, 'utf8')) as TraceDescription).utteranceList;
  } catch (e) {
    throw new MobiproxError(`--exclude-trace ${file}: ${(e as Error).message}.`, { file });
  }
  if (!Array.isArray(list)) throw new MobiproxError(`--exclude-trace ${file} has no utteranceList: write it with 'mobiprox kws trace'.`, { file });
  return new Set(list.map((u: { file: string }) => classAndName(u.file)));
}

/** Clips under a path: a Speech Commands root (all classes, by split), a folder of .wav, or one .wav. */
function clipsAt(p: string, split: Split | undefined): Clip[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(p);
  } catch {
    throw new MobiproxError(`${p} does not exist.`, { file: p });
  }
  if (stat.isDirectory() && isDatasetRoot(p)) return datasetClips(p, split);
  if (split) throw new MobiproxError(`--split needs a Speech Commands root, but ${p} is not one.`, { file: p });
  const files = stat.isDirectory()
    ? fs.readdirSync(p).filter((f) => f.endsWith('.wav')).sort().map((f) => path.join(p, f))
    : [p];
  return files.map((file) => ({ file, label: labelOf(file) ?? -1 }));
}
