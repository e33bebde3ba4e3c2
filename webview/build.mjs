// Bundles the webview pages into out/webview/ (the only folder the webviews may load from) and copies the
// assets they share: plotly's basic bundle (bar and scatter, 1/3 of the full one), its stylesheet and ours.
import * as esbuild from 'esbuild';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as vm from 'node:vm';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'out', 'webview');
const require = createRequire(import.meta.url);
const pages = ['modelOverview', 'pareto', 'timeline'];

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
/**
 * Plotly injects its layout rules as inline <style> at load time, which the webviews' CSP forbids (the page
 * tells it not to, see src/ui/webviewHtml.ts). The same rules, taken from the bundle's own table of them,
 * become plotly.css, loaded from the extension like any stylesheet.
 */
async function plotlyCss(bundle) {
  const source = await readFile(bundle, 'utf8');
  const start = source.indexOf('{"X,X div":');
  const end = source.indexOf('};for(', start);
  if (start < 0 || end < 0) throw new Error(`${bundle}: plotly's style table not found; check plotly's version.`);
  const table = vm.runInNewContext(`(${source.slice(start, end + 1)})`, {}, { timeout: 1000 });
  return Object.entries(table)
    .map(([selector, style]) => {
      const scoped = selector.replace(/^,/, ' ,').replace(/X/g, '.js-plotly-plot .plotly').replace(/Y/g, '.plotly-notifier');
      return `${scoped} {${style}}`;
    })
    .join('\n');
}

const plotly = require.resolve('plotly.js-basic-dist-min');
await Promise.all([
  copyFile(plotly, path.join(outdir, 'plotly-basic.min.js')),
  plotlyCss(plotly).then((css) => writeFile(path.join(outdir, 'plotly.css'), css + '\n')),
  ...pages.map((p) => copyFile(path.join(root, 'webview', 'src', p, `${p}.css`), path.join(outdir, `${p}.css`))),
  copyFile(path.join(root, 'webview', 'src', 'common', 'page.css'), path.join(outdir, 'page.css')),
]);
