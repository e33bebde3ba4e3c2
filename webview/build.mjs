// Bundles the webview pages into out/webview/ (the only folder the webviews may load from) and copies the
// assets they share: plotly's basic bundle (bar and scatter, 1/3 of the full one) and the stylesheets.
import * as esbuild from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'out', 'webview');
const require = createRequire(import.meta.url);
const pages = ['modelOverview'];

await mkdir(outdir, { recursive: true });
await esbuild.build({
  entryPoints: Object.fromEntries(pages.map((p) => [p, path.join(root, 'webview', 'src', p, 'main.ts')])),
  outdir,
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'chrome120',
  minify: true,
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
});
await Promise.all([
  copyFile(require.resolve('plotly.js-basic-dist-min'), path.join(outdir, 'plotly-basic.min.js')),
  ...pages.map((p) => copyFile(path.join(root, 'webview', 'src', p, `${p}.css`), path.join(outdir, `${p}.css`))),
]);
