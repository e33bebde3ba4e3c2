// Packages the extension into build/vsix/mobiprox.vsix from a staging folder that holds only what the
// extension runs: the esbuild bundles (which include the core and its npm dependencies, hence
// --no-dependencies), the icons, the README, and what the core reads from disk: the host runtime
// (build/host/mpxrun, linux-x64, for tuning and host profiling), device runtimes already built
// (build/android/<abi>/mpxrun) and the runtime's sources (native-runtime/, for generated code and bundles). Staging is needed because package.json's "files" (the npm
// package of the CLI) and .vscodeignore cannot be combined in one vsce run; .vscodeignore then trims the
// staged tree (source maps).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stage = path.join(root, 'build', 'vsix', 'stage');
const vsix = path.join(root, 'build', 'vsix', 'mobiprox.vsix');
const deviceRuntimes = ['arm64-v8a', 'armeabi-v7a', 'x86_64'].map((abi) => `build/android/${abi}/mpxrun`);
const shipped = [
  'out/bundle', 'out/webview', 'media/icons', 'README.md', 'LICENSE', '.vscodeignore',
  'build/host/mpxrun', ...deviceRuntimes, 'native-runtime/include', 'native-runtime/src', 'native-runtime/jni',
];

for (const required of ['out/bundle/extension.js', 'out/webview/modelOverview.js', 'build/host/mpxrun']) {
  if (!existsSync(path.join(root, required))) {
    throw new Error(`${required} is missing: run npm run build:native, build:extension and build:webview first.`);
  }
}
rmSync(stage, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });
for (const item of shipped) {
  if (existsSync(path.join(root, item))) cpSync(path.join(root, item), path.join(stage, item), { recursive: true });
}
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
for (const npmOnly of ['files', 'bin', 'scripts', 'devDependencies']) delete manifest[npmOnly];
writeFileSync(path.join(stage, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');

const vsce = createRequire(import.meta.url).resolve('@vscode/vsce/vsce');
const flags = ['--no-dependencies', '--allow-missing-repository', '--out', vsix];
if (!existsSync(path.join(root, 'LICENSE'))) flags.push('--skip-license');
execFileSync(process.execPath, [vsce, 'package', ...flags], { cwd: stage, stdio: 'inherit' });
