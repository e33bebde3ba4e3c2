// Bundles the extension host (src/ui/extension.ts, the core and its npm dependencies) into
// out/bundle/extension.js. The core finds its files (build/host/mpxrun, native-runtime/, build/android/)
// relative to its own compiled location, out/src/<folder>/; in one bundle every module would see
// out/bundle/ as its __dirname instead. Each source file's __dirname is therefore rewritten to the folder its
// tsc output lives in, so the same relative paths hold in the bundle, the CLI and the installed .vsix.
import * as esbuild from 'esbuild';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bundleDir = path.join(root, 'out', 'bundle');

const tscDirname = {
  name: 'tsc-dirname',
  setup(build) {
    build.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!/\b__dirname\b/.test(source)) return undefined;
      const compiledDir = path.join(root, 'out', path.relative(root, path.dirname(args.path)));
      const relative = path.relative(bundleDir, compiledDir).split(path.sep).join('/');
      return {
        contents: source.replace(/\b__dirname\b/g, `require('node:path').join(__dirname, ${JSON.stringify(relative)})`),
        loader: 'ts',
      };
    });
  },
};

await esbuild.build({
  entryPoints: [path.join(root, 'src', 'ui', 'extension.ts')],
  outfile: path.join(bundleDir, 'extension.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['vscode'],
  sourcemap: true,
  logLevel: 'warning',
  plugins: [tscDirname],
});
