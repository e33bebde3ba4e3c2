/**
 * The virtual device's filesystem: a folder on the host whose subfolders stand for the device's own
 * (/data/local/tmp, /sdcard, /system/bin with getprop and dumpsys). Sync requests map device paths into it;
 * shell commands run on the host with the device paths in their command line rewritten into it. We rewrite
 * rather than chroot: a chroot needs privileges and a copy of sh and qemu inside, while the rewrite needs
 * nothing. Only Android's own top-level folders are rewritten, so /bin/sh, /dev/null and /proc still mean
 * the host's; /sys is among them, so the host's /sys/class/power_supply is out of sight (no fuel gauge).
 * The folder isolates paths, not privileges: commands run as the user who started the device.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Transform } from 'stream';
import { MobiproxError } from '../core/errors';

const ANDROID_TOP_LEVEL = ['data', 'sdcard', 'storage', 'system', 'vendor', 'product', 'odm', 'apex', 'sys', 'mnt', 'cache'];

/** Characters that mean the same inside and outside shell quotes, so the root can be spliced in anywhere. */
const SHELL_SAFE_PATH = /^[A-Za-z0-9_./+@%,:-]+$/;

/** A byte that would make the root's path part of a longer name (…/mobiprox-virtual-abc vs …-abcd). */
const PATH_CHAR = /[A-Za-z0-9_.+@%,:-]/;

const DEVICE_PATH_IN_COMMAND = new RegExp(
  `(^|[\\s'"=:;|&()<>\`])/(${ANDROID_TOP_LEVEL.join('|')})(?=[/\\s'"\`;|&()<>]|$)`,
  'g',
);

/** Where pushed programs that need an emulator are kept (see executables.ts); hidden from the device's listings. */
export const PROGRAM_STORE = '.mobiprox-virtual';

export class Sandbox {
  private constructor(readonly root: string) {}

  get programStore(): string {
    return path.join(this.root, PROGRAM_STORE);
  }

  /** Lays out the device's folders and its getprop and dumpsys under `root` (created when missing). */
  static create(root: string, properties: Record<string, string>): Sandbox {
    const absolute = path.resolve(root);
    if (!SHELL_SAFE_PATH.test(absolute)) {
      throw new MobiproxError(
        `The virtual device's root '${absolute}' contains characters a shell would split or expand; choose a ` +
          'folder whose path has only letters, digits and . _ - / + @ % , :',
        { file: absolute },
      );
    }
    for (const dir of ['data/local/tmp', 'sdcard', 'system/bin']) fs.mkdirSync(path.join(absolute, dir), { recursive: true });
    const bin = path.join(absolute, 'system/bin');
    fs.writeFileSync(path.join(bin, 'getprop'), getpropScript(properties), { mode: 0o755 });
    fs.writeFileSync(path.join(bin, 'dumpsys'), DUMPSYS_SCRIPT, { mode: 0o755 });
    return new Sandbox(absolute);
  }

  /**
   * The host path of a device path. Relative paths are taken from the device's root, as adbd's working
   * folder is /; a `..` that would climb above the root is refused rather than clamped.
   */
  hostPath(devicePath: string): string {
    const parts: string[] = [];
    for (const part of devicePath.split('/')) {
      if (part === '' || part === '.') continue;
      if (part === '..') {
        if (parts.length === 0) throw new MobiproxError(`'${devicePath}' climbs out of the device's root.`, { value: devicePath });
        parts.pop();
      } else parts.push(part);
    }
    return path.join(this.root, ...parts);
  }

  /** A shell command line with its absolute Android paths moved into the root. */
  rewriteCommand(command: string): string {
    return command.replace(DEVICE_PATH_IN_COMMAND, (_, before: string, top: string) => `${before}${this.root}/${top}`);
  }

  /**
   * The inverse of rewriteCommand for a command's output: the root's host path, wherever it appears, reads
   * as the device path again (so `pwd`, `find` and error messages name /data/... as on a phone). The last
   * few bytes of a chunk are held back until the next shows whether they begin the root's path.
   */
  deviceView(): Transform {
    const root = this.root;
    let held = '';
    return new Transform({
      transform(chunk: Buffer, _encoding, done) {
        const text = held + chunk.toString('latin1');
        let out = '';
        let from = 0;
        for (;;) {
          const at = text.indexOf(root, from);
          if (at < 0 || at + root.length === text.length) break; // the byte after it decides: wait for it
          const next = text[at + root.length];
          out += text.slice(from, at) + (next === '/' ? '' : PATH_CHAR.test(next) ? root : '/');
          from = at + root.length;
        }
        let keep = Math.min(root.length, text.length - from);
        while (keep > 0 && !root.startsWith(text.slice(text.length - keep))) keep--;
        held = text.slice(text.length - keep);
        done(null, Buffer.from(out + text.slice(from, text.length - keep), 'latin1'));
      },
      flush(done) {
        done(null, Buffer.from(held === root ? '/' : held, 'latin1'));
      },
    });
  }

  /** A small, device-like environment: the device's /system/bin first, then the host's tools. */
  environment(): NodeJS.ProcessEnv {
    return {
      PATH: `${this.root}/system/bin:/usr/local/bin:/usr/bin:/bin`,
      HOME: this.root,
      TMPDIR: `${this.root}/data/local/tmp`,
      LANG: 'C.UTF-8',
    };
  }
}

/** getprop with no argument lists every property as `[key]: [value]` (adbkit parses that); with one, prints it. */
function getpropScript(properties: Record<string, string>): string {
  const entries = Object.entries(properties);
  const list = entries.map(([k, v]) => `[${k}]: [${v}]`).join('\n');
  const cases = entries.map(([k, v]) => `  ${k}) echo '${v}' ;;`).join('\n');
  return `#!/bin/sh
# getprop of a Mobiprox virtual device
if [ $# -eq 0 ]; then
cat <<'PROPS'
${list}
PROPS
exit 0
fi
case "$1" in
${cases}
  *) echo "$2" ;;
esac
`;
}

/** No battery service, as on a device without one: `dumpsys battery` gives no level or charging state. */
const DUMPSYS_SCRIPT = `#!/bin/sh
# dumpsys of a Mobiprox virtual device, which has no system services
echo "Can't find service: $1"
`;
