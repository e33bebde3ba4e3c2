/** Finding and running the JDK and Kotlin compilers for the code generation tests. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The executable's path on PATH, or undefined. */
export function which(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const file = path.join(dir, command);
    if (dir && fs.existsSync(file)) return file;
  }
  return undefined;
}

/** The Kotlin standard library next to kotlinc (its lib/ folder, or Debian's /usr/share/java). */
export function kotlinStdlib(): string | undefined {
  const kotlinc = which('kotlinc');
  const home = kotlinc ? path.dirname(path.dirname(fs.realpathSync(kotlinc))) : undefined;
  return [home && path.join(home, 'lib/kotlin-stdlib.jar'), '/usr/share/java/kotlin-stdlib.jar'].find((f) => f && fs.existsSync(f)) || undefined;
}

/** Runs a build tool; on failure, throws with its output, which names the offending source line. */
export function run(command: string, args: string[], options: { cwd?: string; timeout?: number } = {}): string {
  const r = spawnSync(command, args, { encoding: 'utf8', cwd: options.cwd, timeout: options.timeout ?? 600_000, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${command} ${args.slice(0, 6).join(' ')} … failed (${r.status ?? r.signal}):\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

export function javaFiles(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('.java')).map((f) => path.join(dir, f));
}

