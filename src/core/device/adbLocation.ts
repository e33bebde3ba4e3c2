/**
 * Finding the adb executable: an explicit setting wins; then the SDK named by ANDROID_HOME or
 * ANDROID_SDK_ROOT (platform-tools/adb), as Android Studio and the SDK tools look; then PATH.
 */
import * as fs from 'fs';
import * as path from 'path';
import { MobiproxError } from '../errors';

const EXE = process.platform === 'win32' ? '.exe' : '';

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The first executable `name` on PATH (or on `searchPath`), if any. */
export function findOnPath(name: string, searchPath = process.env.PATH ?? ''): string | undefined {
  for (const dir of searchPath.split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name + EXE);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export interface AdbLookup {
  /** The user's explicit choice (extension setting or --adb option): used as is, never second-guessed. */
  setting?: string;
  /** Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

export function locateAdb(lookup: AdbLookup = {}): string {
  const env = lookup.env ?? process.env;
  if (lookup.setting) {
    if (isExecutable(lookup.setting)) return lookup.setting;
    throw new MobiproxError(
      `The adb path setting '${lookup.setting}' is not an executable file: point it at adb ` +
        '(e.g. /usr/bin/adb or <Android SDK>/platform-tools/adb), or clear it to search ANDROID_HOME, ' +
        'ANDROID_SDK_ROOT and PATH.',
      { file: lookup.setting },
    );
  }
  const sdks = ['ANDROID_HOME', 'ANDROID_SDK_ROOT'].flatMap((v) => (env[v] ? [`${v}=${env[v]}`] : []));
  for (const variable of ['ANDROID_HOME', 'ANDROID_SDK_ROOT']) {
    const sdk = env[variable];
    if (!sdk) continue;
    const candidate = path.join(sdk, 'platform-tools', 'adb' + EXE);
    if (isExecutable(candidate)) return candidate;
  }
  const onPath = findOnPath('adb', env.PATH ?? '');
  if (onPath) return onPath;
  const looked = [...sdks.map((s) => `${s}/platform-tools`), 'PATH'].join(', ');
  throw new MobiproxError(
    `adb was not found (looked in ${looked}). Install the Debian package adb or the Android SDK ` +
      'platform-tools, or set the adb path (the mobiprox.adbPath setting or --adb), or set ANDROID_HOME to your SDK.',
  );
}
