import * as path from 'node:path';
import * as vscode from 'vscode';
import { StrategySpec } from '../../core/adapt';
import { Lang } from '../../core/codegen/literals';
import { bundleModel } from '../../core/usecases/bundleModel';
import { CommandContext } from '../commandContext';
import { withCancellableProgress } from '../longWork';
import { mainSources, openBeside } from '../openBeside';
import { pickConfigurationSet } from '../picks';
import { bundlePath } from '../runs/outputPaths';
import { readSettings } from '../settings';
import { isCancellation, showError } from '../showError';
import { modelArgument } from './modelArgument';
import { pickStrategy } from './pickStrategy';

export interface BundleArgs {
  model?: string;
  configs?: string;
  /** Only these configurations (and the exact one); default all. */
  names?: string[];
  strategy?: StrategySpec;
  lang?: Lang;
  package?: string;
  out?: string;
}

const TITLE = 'Mobiprox: Build Android Bundle';

/** Mobiprox: Build Android Bundle — an Android library module; its generated sources open beside. Resolves to the module folder. */
export async function buildBundle(ctx: CommandContext, args: BundleArgs = {}): Promise<string | undefined> {
  try {
    const configs = args.configs ?? ctx.runs.latestResult()?.configs ?? (await pickConfigurationSet(TITLE));
    if (!configs) return undefined;
    const model = await modelArgument(ctx, args.model, TITLE);
    if (!model) return undefined;
    const strategy = args.strategy ?? (await pickStrategy(TITLE));
    if (!strategy) return undefined;
    const s = readSettings();
    const out = args.out ?? bundlePath(model);
    const result = await withCancellableProgress(`Bundling ${path.basename(model)}`, async (report, signal) => {
      // A bundle is written at once and cannot stop half-way (it writes into a staging folder, then renames).
      if (signal.aborted) throw Object.assign(new Error('cancelled'), { name: 'AbortError' });
      return bundleModel({
        model, configs, names: args.names, strategy, out,
        lang: args.lang ?? s.codegen.lang, package: args.package ?? s.codegen.package, ndk: s.ndkPath,
        onProgress: (message) => {
          ctx.log.info(message);
          report({ message, fraction: 0.5 });
        },
      });
    });
    ctx.log.info(`bundle ${result.out}: ${result.files.length} files; jniLibs ${result.prebuilt.join(', ') || `skipped: ${result.prebuiltSkipped}`}`);
    await openBeside(mainSources(result.files.map((f) => path.join(result.out, f))));
    const libs = result.prebuilt.length ? `prebuilt for ${result.prebuilt.join(', ')}` : `no prebuilt libraries (${result.prebuiltSkipped})`;
    void vscode.window.showInformationMessage(`Wrote the Android module ${vscode.workspace.asRelativePath(result.out)}, ${libs}.`);
    return result.out;
  } catch (e) {
    if (!isCancellation(e)) await showError(ctx.log, 'Building the Android bundle', e);
    return undefined;
  }
}
