/**
 * The mpxrun binary a device runs: the build for the first of its ABIs (most preferred first, as
 * ro.product.cpu.abilist lists them) that toolchain/build-android-abis.sh makes into
 * build/android/<abi>/mpxrun.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MobiproxError } from '../errors';

export const RUNTIME_ABIS = ['arm64-v8a', 'armeabi-v7a', 'x86_64'] as const;

const REPO_ROOT = path.resolve(__dirname, '../../../..');

export function runtimePath(abi: string, root = REPO_ROOT): string {
  return path.join(root, 'build', 'android', abi, 'mpxrun');
}

export interface DeviceRuntime {
  abi: string;
  binary: string;
}

/**
 * The runtime for a device listing `abis`. In a source checkout it is (re)built for the device's first ABI
 * (the build is incremental: seconds when nothing changed, a few minutes at most), so that the device
 * never runs older kernels than the host; an installed extension uses the runtimes it ships.
 */
export async function runtimeForAbis(abis: string[], signal?: AbortSignal): Promise<DeviceRuntime> {
  const usable = abis.filter((a) => (RUNTIME_ABIS as readonly string[]).includes(a));
  if (usable.length === 0) {
    throw new MobiproxError(
      `The device's ABIs (${abis.join(', ') || 'none reported'}) have no Mobiprox runtime build; supported: ${RUNTIME_ABIS.join(', ')}.`,
      { value: abis.join(',') },
    );
  }
  if (!fs.existsSync(buildScript())) {
    const built = usable.find((a) => fs.existsSync(runtimePath(a)));
    if (built) return { abi: built, binary: runtimePath(built) };
  }
  const abi = usable[0];
  await buildRuntime(abi, signal);
  return { abi, binary: runtimePath(abi) };
}

const buildScript = () => path.join(REPO_ROOT, 'toolchain', 'build-android-abis.sh');

function buildRuntime(abi: string, signal?: AbortSignal): Promise<void> {
  const script = buildScript();
  const fix = `build it with 'bash toolchain/build-android-abis.sh ${abi}' (needs cmake and Debian's cross compilers: toolchain/setup.sh)`;
  if (!fs.existsSync(script)) {
    throw new MobiproxError(`No ${abi} runtime at ${runtimePath(abi)}: ${fix}.`, { file: runtimePath(abi) });
  }
  return new Promise((resolve, reject) => {
    execFile('bash', [script, abi], { signal, timeout: 15 * 60 * 1000 }, (error, _stdout, stderr) => {
      if (error && signal?.aborted) return reject(error);
      if (error || !fs.existsSync(runtimePath(abi))) {
        return reject(new MobiproxError(`Building the ${abi} runtime failed (${stderr.trim() || error?.message}): ${fix}.`, { file: script }));
      }
      resolve();
    });
  });
}
