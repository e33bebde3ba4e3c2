/**
 * Runs a program on a device over `adb shell`, line by line as it prints, and stops it on request. adb's
 * shell service gives neither an exit status nor a way to signal the process, so the command records
 * its own pid (`echo $$` before `exec`, which keeps the pid) and appends its exit status on a marked last
 * line; a cancel kills that pid through a second shell. A stream that ends without the status line means
 * the device went away.
 */
import { MobiproxError } from '../errors';
import { DeviceClient, shellOutput } from './deviceTransfer';
import { shQuote } from './remotePaths';

const EXIT_MARK = 'mobiprox-exit:';

/** The device went away (unplugged, adb or the device stopped) before the program's exit was reported. */
export class DeviceLostError extends MobiproxError {}

export interface RemoteExit {
  /** The program's exit status (128 + signal when killed). */
  status: number;
  /** What it printed that the line handler did not take (its error messages). */
  otherLines: string[];
}

/**
 * Runs `argv` (device paths, quoted here) with stdout and stderr merged; `onLine` gets every line and
 * returns false for lines that are not its own. Rejects with an AbortError after killing the program
 * when `signal` aborts, and with a MobiproxError when the connection to the device drops.
 */
export async function runRemote(
  device: DeviceClient, argv: string[], pidFile: string, onLine: (line: string) => boolean, signal?: AbortSignal,
): Promise<RemoteExit> {
  if (signal?.aborted) throw abortError();
  const inner = `echo $$ > ${shQuote(pidFile)}; exec ${argv.map(shQuote).join(' ')}`;
  const command = `sh -c ${shQuote(inner)} 2>&1; echo "${EXIT_MARK}$?"`;
  const stream = await device.shell(command);
  return new Promise((resolve, reject) => {
    const otherLines: string[] = [];
    let pending = '';
    let status: number | undefined;
    let failure: unknown;
    let killing: Promise<unknown> | undefined;
    const onAbort = () => {
      killing = shellOutput(device, `kill $(cat ${shQuote(pidFile)}) 2>/dev/null`).catch(() => undefined);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const take = (raw: string) => {
      const line = raw.replace(/\r$/, ''); // devices whose shell runs on a pty end lines with \r\n
      if (line.startsWith(EXIT_MARK)) status = Number(line.slice(EXIT_MARK.length));
      else if (line !== '') {
        try {
          if (!onLine(line)) otherLines.push(line);
        } catch (e) {
          failure ??= e;
        }
      }
    };
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop()!;
      lines.forEach(take);
    });
    let settled = false;
    const finish = async () => {
      if (settled) return;
      settled = true;
      if (pending !== '') take(pending);
      signal?.removeEventListener('abort', onAbort);
      await killing;
      if (signal?.aborted) reject(abortError());
      else if (failure) reject(failure);
      else if (status === undefined || !Number.isInteger(status)) {
        reject(new DeviceLostError(`The connection to ${device.serial} was lost while ${argv[0]} ran.`, { value: device.serial }));
      } else resolve({ status, otherLines });
    };
    stream.on('end', finish);
    stream.on('close', finish);
    stream.on('error', finish);
  });
}

export function abortError(): Error {
  const e = new Error('The operation was cancelled.');
  e.name = 'AbortError';
  return e;
}
