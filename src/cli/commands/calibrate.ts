import { Command, InvalidArgumentError } from 'commander';
import { calibrateProfile } from '../../core/adapt/calibrateProfile';
import { readConfigurationSet, writeConfigurationSet } from '../../core/knobs/configurationSet';
import { addPreprocessingOptions, preprocessingFrom, threadCount } from '../options';

function temperature(value: string): number | 'auto' {
  if (value === 'auto') return value;
  const t = Number(value);
  if (!(t > 0) || !Number.isFinite(t)) throw new InvalidArgumentError(`'${value}' is not a temperature: a positive number or 'auto'.`);
  return t;
}

export function register(program: Command): void {
  addPreprocessingOptions(
    program
      .command('calibrate')
      .description('fit a softmax temperature per configuration on validation data (minimum NLL), report the calibration error before and after, and store temperatures, calibrated confidence triples and thresholds in the profile')
      .requiredOption('--profile <profiled.json>', 'profiled configuration set; updated in place unless --out is given')
      .requiredOption('--model <model.onnx>', 'the model the profile belongs to')
      .requiredOption('--input <x.npy>', 'validation samples (not the traces you will simulate)')
      .requiredOption('--labels <y.npy>', 'validation labels'),
  )
    .option('--temperature <T|auto>', "'auto' fits T per configuration; a number uses that T for all", temperature, 'auto' as const)
    .option('--out <file.json>', 'write the calibrated set here instead of over --profile')
    .option('--threads <n>', 'runtime threads (default 1)', threadCount, 1)
    .option('--json', 'print one JSON object')
    .action(async (o) => {
      const set = readConfigurationSet(o.profile);
      const calibrated = await calibrateProfile({
        set, setFile: o.profile, model: o.model, input: o.input, labels: o.labels, preprocessing: preprocessingFrom(o), temperature: o.temperature, threads: o.threads,
      });
      const out = o.out ?? o.profile;
      writeConfigurationSet(out, calibrated);
      const c = calibrated.calibration!;
      if (o.json) {
        process.stdout.write(JSON.stringify({ profile: out, configurations: set.configurations.map((s) => s.name), ...c }) + '\n');
        return;
      }
      const rows = [['configuration', 'T', 'NLL before', 'NLL after', 'ECE before', 'ECE after'],
        ...set.configurations.map((s, k) => [s.name, c.fits[k].temperature.toFixed(3), c.fits[k].nllBefore.toFixed(4), c.fits[k].nllAfter.toFixed(4),
          c.fits[k].eceBefore.toFixed(4), c.fits[k].eceAfter.toFixed(4)])];
      const w = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
      process.stdout.write(rows.map((r) => r.map((v, j) => (j === 0 ? v.padEnd(w[j]) : v.padStart(w[j]))).join('  ')).join('\n') +
        `\n\ncalibrated on ${c.validation.samples} samples of ${o.input}; temperatures, triples and thresholds written to ${out}\n`);
      if (c.fits.some((f) => f.eceAfter > f.eceBefore)) {
        process.stderr.write('mobiprox: note: the calibration error grew for some configurations; the validation set may be too small.\n');
      }
    });
}
