/**
 * Running pushed programs of the device's ABIs on the host. An ELF file the host cannot run itself is kept
 * in a store inside the root and its device path gets a launcher script that runs it under qemu-user
 * (or, for an ABI the device does not list, fails as a phone would). Launchers are made when SEND completes,
 * so exec of any path, relative or absolute, from any shell construct reaches qemu without binfmt_misc
 * (which needs root and is often absent in containers). The sync service reads through launchers, so
 * STAT, LIST and RECV see the program that was pushed. Programs created on the device itself are not
 * intercepted.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { MobiproxError } from '../core/errors';
import { findOnPath } from '../core/device/adbLocation';

interface Machine {
  abis: string[];
  qemu: string;
}

/** ELF e_machine values and the Android ABIs and qemu-user emulators that go with them. */
const MACHINES: Record<number, Machine> = {
  62: { abis: ['x86_64'], qemu: 'qemu-x86_64-static' },
  3: { abis: ['x86'], qemu: 'qemu-i386-static' },
  183: { abis: ['arm64-v8a'], qemu: 'qemu-aarch64-static' },
  40: { abis: ['armeabi-v7a', 'armeabi'], qemu: 'qemu-arm-static' },
};

const HOST_MACHINE: Record<string, number> = { x64: 62, ia32: 3, arm64: 183, arm: 40 };

const LAUNCHER_MARK = '# mobiprox-virtual-elf ';

function qemuFor(abi: string): string | undefined {
  const entry = Object.entries(MACHINES).find(([, m]) => m.abis.includes(abi));
  if (!entry || Number(entry[0]) === HOST_MACHINE[process.arch]) return undefined;
  return entry[1].qemu;
}

/** Throws with the fix when the emulator for `abi` is missing; for the device's primary ABI at start. */
export function requireEmulator(abi: string): void {
  const qemu = qemuFor(abi);
  if (qemu && !findOnPath(qemu)) {
    throw new MobiproxError(
      `Running ${abi} programs on this host needs ${qemu}: install the Debian package qemu-user-static.`,
      { value: abi },
    );
  }
}

function elfMachine(file: string): number | undefined {
  const head = Buffer.alloc(20);
  const fd = fs.openSync(file, 'r');
  try {
    if (fs.readSync(fd, head, 0, 20, 0) < 20) return undefined;
  } finally {
    fs.closeSync(fd);
  }
  if (head.readUInt32BE(0) !== 0x7f454c46) return undefined;
  return head[5] === 2 ? head.readUInt16BE(18) : head.readUInt16LE(18);
}

/** Called after a push: gives a foreign or unsupported ELF its launcher; leaves anything else as it is. */
export function prepareExecutable(file: string, abis: string[], storeDir: string): void {
  const machine = elfMachine(file);
  if (machine === undefined) return;
  const known = MACHINES[machine] as Machine | undefined;
  const listed = known !== undefined && known.abis.some((a) => abis.includes(a));
  if (listed && machine === HOST_MACHINE[process.arch]) return;
  const bytes = fs.readFileSync(file);
  const stored = path.join(storeDir, crypto.createHash('sha256').update(bytes).digest('hex'));
  fs.mkdirSync(storeDir, { recursive: true });
  if (!fs.existsSync(stored)) fs.writeFileSync(stored, bytes, { mode: 0o755 }); // qemu-user refuses files without x
  const qemu = listed ? findOnPath(known.qemu) : undefined;
  const run = !listed
    ? 'echo "$0: cannot execute: Exec format error" >&2; exit 126'
    : qemu
      ? `exec ${qemu} -0 "$0" ${stored} "$@"`
      : `echo "$0: ${known.qemu} is missing: install the Debian package qemu-user-static" >&2; exit 127`;
  const mode = fs.statSync(file).mode & 0o7777;
  fs.writeFileSync(file, `#!/bin/sh\n${LAUNCHER_MARK}${stored}\n${run}\n`);
  fs.chmodSync(file, mode);
}

/** The file a device path's content really is: the stored program behind a launcher, or the file itself. */
export function contentPath(file: string): string {
  let head: Buffer;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      head = Buffer.alloc(512);
      head = head.subarray(0, fs.readSync(fd, head, 0, 512, 0));
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return file;
  }
  const lines = head.toString('latin1').split('\n');
  return lines[0] === '#!/bin/sh' && lines[1]?.startsWith(LAUNCHER_MARK) ? lines[1].slice(LAUNCHER_MARK.length) : file;
}
