/**
 * The report's figures, drawn by plotly.js (the library the extension's webviews use) in headless Chromium
 * and exported as SVG with Plotly.toImage, so that the plots of the report and of the editor look alike.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import { writeFileAtomic } from '../../src/core/fsutil';

export interface Figure {
  /** File name without extension. */
  name: string;
  data: object[];
  layout: object;
  width?: number;
  height?: number;
}

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];

/** Writes `<dir>/<name>.svg` for every figure; returns the file names. */
export async function renderSvg(figures: Figure[], dir: string): Promise<string[]> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'mobiprox-plots-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  try {
    const page = await context.newPage();
    await page.setContent('<!doctype html><html><body></body></html>');
    await page.addScriptTag({ path: require.resolve('plotly.js-basic-dist-min') });
    const files: string[] = [];
    for (const f of figures) {
      const url = await page.evaluate(
        ({ data, layout, width, height }) => (globalThis as unknown as { Plotly: { toImage(fig: object, o: object): Promise<string> } })
          .Plotly.toImage({ data, layout }, { format: 'svg', width, height }),
        { data: f.data, layout: f.layout, width: f.width ?? 640, height: f.height ?? 420 },
      );
      const file = `${f.name}.svg`;
      writeFileAtomic(path.join(dir, file), decodeURIComponent(url.slice(url.indexOf(',') + 1)));
      files.push(file);
    }
    return files;
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}
