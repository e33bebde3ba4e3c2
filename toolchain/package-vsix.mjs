// Packages the extension into build/vsix/mobiprox.vsix from a staging folder that holds only what the
// extension runs: the esbuild bundles (which include the core and its npm dependencies, hence
// --no-dependencies), the icons and the README. Staging is needed because package.json's "files" (the npm
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
const shipped = ['out/bundle', 'out/webview', 'media/icons', 'README.md', 'LICENSE', '.vscodeignore'];

for (const required of ['out/bundle/extension.js', 'out/webview/modelOverview.js']) {
  if (!existsSync(path.join(root, required))) {
    throw new Error(`${required} is missing: run npm run build:extension and npm run build:webview first.`);
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
