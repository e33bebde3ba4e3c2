/** Finding and running the JDK and Kotlin compilers for the code generation tests. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
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

/** A current Kotlin compiler (kotlin-compiler-embeddable), run as `java -cp <jars> K2JVMCompiler`. */
export interface KotlinCompiler {
  version: string;
  /** The compiler's jars and its runtime dependencies. */
  jars: string[];
  /** Its kotlin-stdlib.jar, for the classpath of what it compiles and of what runs that. */
  stdlib: string;
}

/**
 * The compiler toolchain/kotlin-compiler.sh downloads (the jars toolchain/kotlin-compiler.txt names, in
 * ${XDG_CACHE_HOME:-~/.cache}/mobiprox/kotlin-<version>/), or what of it is missing.
 */
export function kotlinCompiler(repoRoot: string): KotlinCompiler | { missing: string } {
  const coordinates = fs.readFileSync(path.join(repoRoot, 'toolchain/kotlin-compiler.txt'), 'utf8').split('\n')
    .map((l) => l.replace(/#.*/, '').trim()).filter(Boolean).map((l) => l.split(':'));
  const version = coordinates[0][2];
  const dir = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'mobiprox', `kotlin-${version}`);
  const jars = coordinates.map(([, artifact, v]) => path.join(dir, `${artifact}-${v}.jar`));
  const absent = jars.filter((j) => !fs.existsSync(j));
  if (absent.length) return { missing: `Kotlin ${version}'s compiler is not in ${dir} (${absent.map((j) => path.basename(j)).join(', ')} missing): bash toolchain/kotlin-compiler.sh (toolchain/setup.sh runs it) downloads it` };
  return { version, jars, stdlib: jars[coordinates.findIndex(([, artifact]) => artifact === 'kotlin-stdlib')] };
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

