/** What the virtual device says about itself: system properties per ABI and adbd's connection banner. */
export const VIRTUAL_ABIS = ['x86_64', 'arm64-v8a', 'armeabi-v7a'] as const;
export type VirtualAbi = (typeof VIRTUAL_ABIS)[number];

/** The ABIs a phone of each primary ABI also runs, as real devices list them in ro.product.cpu.abilist. */
const ABI_LISTS: Record<VirtualAbi, string[]> = {
  x86_64: ['x86_64'],
  'arm64-v8a': ['arm64-v8a', 'armeabi-v7a', 'armeabi'],
  'armeabi-v7a': ['armeabi-v7a', 'armeabi'],
};

export function abiList(abi: VirtualAbi): string[] {
  return ABI_LISTS[abi];
}

export function virtualProperties(abi: VirtualAbi, port: number): Record<string, string> {
  const device = `mobiprox_virtual_${abi.replace(/-/g, '_')}`;
  return {
    'ro.product.model': `Mobiprox Virtual ${abi}`,
    'ro.product.manufacturer': 'Mobiprox',
    'ro.product.brand': 'mobiprox',
    'ro.product.name': device,
    'ro.product.device': device,
    'ro.product.cpu.abi': abi,
    'ro.product.cpu.abilist': abiList(abi).join(','),
    'ro.build.version.release': '14',
    'ro.build.version.sdk': '34',
    'ro.serialno': `mobiprox-virtual-${port}`,
  };
}

/**
 * adbd's CNXN banner. The features are the ones this device implements: with shell_v2 `adb shell` frames
 * stdout, stderr and the exit status; with fixed_push_mkdir adb leaves creating a pushed file's folders to
 * SEND; without stat_v2 and ls_v2 it uses the version 1 sync requests.
 */
export function connectionBanner(props: Record<string, string>): string {
  const fields = ['ro.product.name', 'ro.product.model', 'ro.product.device'].map((k) => `${k}=${props[k]}`);
  return `device::${fields.join(';')};features=shell_v2,fixed_push_mkdir`;
}
