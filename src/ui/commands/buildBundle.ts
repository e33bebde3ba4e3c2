import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { StrategySpec } from '../../core/adapt';
import { BUNDLE_ABIS } from '../../core/codegen/bundle';
import { Lang } from '../../core/codegen/literals';
import { bundleModel } from '../../core/usecases/bundleModel';
import { CommandContext } from '../commandContext';
import { mainSources, openBeside } from '../openBeside';
import { ParetoPanels } from '../pareto/paretoPanels';
import { runInPanel } from '../pareto/panelWork';
import { pickConfigurationSet } from '../picks';
import { bundlePath } from '../runs/outputPaths';
import { readSettings } from '../settings';
import { showError } from '../showError';
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

/**
 * Mobiprox: Build Android Bundle — an Android library module; its generated sources open beside. Resolves to
 * the module folder. From a Pareto panel its progress is in the panel's status line; Cancel stops the NDK
 * builds and leaves the folder as it was (core/codegen/bundle.ts stages the module and renames it in).
 */
export async function buildBundle(ctx: CommandContext, pareto: ParetoPanels, args: BundleArgs = {}): Promise<string | undefined> {
  const inputs = await bundleInputs(ctx, args).catch(async (e) => void (await showError(ctx.log, 'Building the Android bundle', e)));
  if (!inputs) return undefined;
  const { configs, model, strategy } = inputs;
  const s = readSettings();
  const out = args.out ?? bundlePath(model);
  const shown = vscode.workspace.asRelativePath(out);
  const earlier = fs.existsSync(out);
  const result = await runInPanel(pareto, ctx.log, {
    file: configs,
    title: `Bundling ${path.basename(model)}`,
    work: async (report, signal) => {
      let steps = 0;
      return bundleModel({
        model, configs, names: args.names, strategy, out,
        lang: args.lang ?? s.codegen.lang, package: args.package ?? s.codegen.package, ndk: s.ndkPath, signal,
        onProgress: (message) => {
          ctx.log.info(message);
          report({ message, fraction: ++steps / (BUNDLE_ABIS.length + 1) });
        },
      });
    },
    result: (r) => {
      const libs = r.prebuilt.length ? `prebuilt for ${r.prebuilt.join(', ')}` : `no prebuilt libraries (${r.prebuiltSkipped})`;
      return `Wrote the Android module ${shown}, ${libs}.`;
    },
    cancelled: earlier ? `${shown} keeps the module of the earlier build` : 'nothing was written',
  });
  if (!result) return undefined;
  ctx.log.info(`bundle ${result.out}: ${result.files.length} files; jniLibs ${result.prebuilt.join(', ') || `skipped: ${result.prebuiltSkipped}`}`);
  await openBeside(mainSources(result.files.map((f) => path.join(result.out, f))));
  return result.out;
}

/** The set, model and strategy to bundle; undefined when the user dismissed a pick. */
async function bundleInputs(ctx: CommandContext, args: BundleArgs) {
  const configs = args.configs ?? ctx.runs.latestResult()?.configs ?? (await pickConfigurationSet(TITLE));
  if (!configs) return undefined;
  const model = await modelArgument(ctx, args.model, TITLE);
  if (!model) return undefined;
  const strategy = args.strategy ?? (await pickStrategy(TITLE));
  if (!strategy) return undefined;
  return { configs, model, strategy };
}
