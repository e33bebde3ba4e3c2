/** The built `mobiprox` command run as a user runs it: a child process, its exit code and its output. */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { REPO_ROOT } from './engine';

export const CLI = path.join(REPO_ROOT, 'out/src/cli/main.js');

export interface CliResult { code: number | null; stdout: string; stderr: string; seconds: number }

export function cli(args: string[]): Promise<CliResult> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, seconds: (Date.now() - start) / 1000 }));
  });
}
