/**
 * The local log of a profiling run: JSON lines, a header describing the run, then one line per completed
 * configuration, each written and fsync'd the moment the device reports it, so a record once received
 * survives a disconnect, a cancel or a crash of this process. A rerun with resume reads it back and runs
 * only the configurations it lacks; a half-written last line (the process died mid-write) is dropped. Every
 * line read back is checked against the type it is read as, so a damaged or hand-edited log is refused with
 * its file, line and field rather than resumed with values of the wrong type.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MobiproxError } from '../errors';
import { FieldError, int, object, oneOf, str } from '../runtime/jsonChecks';
import { ProfileRecord } from '../runtime/mpxrun';
import { profileRecord } from '../runtime/mpxrunRecords';

/** What must match for records to be resumed: the same device, runtime, model, data and configurations. */
export interface RunHeader {
  type: 'run';
  serial: string;
  deviceModel?: string;
  abi: string;
  /** sha256 of the compiled model, the pushed input, labels and configuration text. */
  modelSha256: string;
  dataSha256: string;
  configurationsSha256: string;
  configurations: number;
  samples: number;
  batch: number;
  threads?: number;
  warmup: number;
  repeat: number;
}

const runHeader = object<RunHeader>(
  {
    type: oneOf('run'), serial: str, abi: str, modelSha256: str, dataSha256: str, configurationsSha256: str, configurations: int,
    samples: int, batch: int, warmup: int, repeat: int,
  },
  { deviceModel: str, threads: int },
);

const MATCHED: (keyof RunHeader)[] = [
  'serial', 'abi', 'modelSha256', 'dataSha256', 'configurationsSha256', 'configurations', 'samples', 'batch', 'threads', 'warmup', 'repeat',
];

export class RecordStore {
  /** Opened at the first record: a run that fails before it leaves no log behind. */
  private fd = -1;

  private constructor(
    readonly file: string,
    private readonly header: RunHeader,
    /** The log is written anew (header first) rather than appended to. */
    private fresh: boolean,
    /** Completed records by configuration index. */
    readonly records: Map<number, ProfileRecord>,
  ) {}

  /**
   * Opens the log of a run. With `resume`, an existing log of the same run keeps its records and one of
   * another run is refused; without, any existing log is replaced at the first record (nothing is written
   * before there is a record to keep).
   */
  static open(file: string, header: RunHeader, resume: boolean): RecordStore {
    const records = new Map<number, ProfileRecord>();
    if (resume && fs.existsSync(file)) {
      const lines = fs.readFileSync(file, 'utf8').split('\n');
      const complete = lines.slice(0, -1); // the text after the last newline was cut off mid-write
      const found = complete.length > 0 ? parseLine(complete[0], file, 1, header.configurations) : undefined;
      if (found?.type === 'run') {
        const differs = MATCHED.filter((k) => JSON.stringify(found[k]) !== JSON.stringify(header[k]));
        if (differs.length > 0) {
          throw new MobiproxError(
            `${file} holds records of another run (${differs.map((k) => `${k} ${JSON.stringify(found[k])} ≠ ${JSON.stringify(header[k])}`).join(', ')}); ` +
              'profile without --resume to start over, or give the same device, model, data and options.',
            { file },
          );
        }
        complete.slice(1).forEach((line, i) => {
          const r = parseLine(line, file, i + 2, header.configurations);
          if (r?.type === 'config') records.set(r.index, r);
          else if (r) throw damaged(file, i + 2, 'is a second run header');
        });
        // Rewrite without the cut-off tail so that appends start on a line of their own.
        const temporary = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(temporary, complete.map((l) => l + '\n').join(''));
        fs.renameSync(temporary, file);
      } else if (complete.length > 0) {
        throw notALog(file);
      }
    }
    const fresh = !resume || !fs.existsSync(file) || fs.statSync(file).size === 0;
    return new RecordStore(file, header, fresh, records);
  }

  append(record: ProfileRecord): void {
    this.write(record);
    this.records.set(record.index, record);
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }

  private write(line: object): void {
    if (this.fd < 0) {
      fs.mkdirSync(path.dirname(path.resolve(this.file)), { recursive: true });
      this.fd = fs.openSync(this.file, this.fresh ? 'w' : 'a');
      if (this.fresh) fs.writeSync(this.fd, JSON.stringify(this.header) + '\n');
      this.fresh = false;
    }
    fs.writeSync(this.fd, JSON.stringify(line) + '\n');
    fs.fsyncSync(this.fd);
  }
}

/** Line `n` of the log: a run header or the record of one of the run's `configurations`; undefined when blank. */
function parseLine(line: string, file: string, n: number, configurations: number): RunHeader | ProfileRecord | undefined {
  if (line.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw damaged(file, n, 'is not a JSON record');
  }
  try {
    const type = (value as { type?: unknown } | null)?.type;
    if (type === 'run') return runHeader(value, '');
    if (n === 1) throw notALog(file);
    const record = profileRecord(value, '');
    if (record.index >= configurations) throw new FieldError('index', record.index, `below the run's ${configurations} configurations`);
    return record;
  } catch (e) {
    if (!(e instanceof FieldError)) throw e;
    throw damaged(file, n, `holds a record whose ${e.message}`);
  }
}

function notALog(file: string): MobiproxError {
  return new MobiproxError(`${file} is not a Mobiprox profiling log (its first line is not a run header).`, { file });
}

function damaged(file: string, n: number, what: string): MobiproxError {
  return new MobiproxError(`${file}:${n} ${what}; the log is damaged: profile without --resume to start over.`, { file });
}
