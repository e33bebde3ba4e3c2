import * as vscode from 'vscode';
import { StrategySpec } from '../../core/adapt';
import { Lang } from '../../core/codegen/literals';
import { generateEngine } from '../../core/usecases/generateEngine';
import { CommandContext } from '../commandContext';
import { mainSources, openBeside } from '../openBeside';
import { pickConfigurationSet } from '../picks';
import { generatedSourcesPath } from '../runs/outputPaths';
import { readSettings } from '../settings';
import { showError } from '../showError';
import { pickStrategy } from './pickStrategy';

export interface GenerateArgs {
  configs?: string;
  strategy?: StrategySpec;
  lang?: Lang;
  package?: string;
  out?: string;
}

const TITLE = 'Mobiprox: Generate Adaptation Code';

/** Mobiprox: Generate Adaptation Code — engine, wrapper and usage for an app; opens them beside. Resolves to the files. */
export async function generateCode(ctx: CommandContext, args: GenerateArgs = {}): Promise<string[]> {
  const configs = args.configs ?? ctx.runs.latestResult()?.configs ?? (await pickConfigurationSet(TITLE));
  if (!configs) return [];
  const strategy = args.strategy ?? (await pickStrategy(TITLE));
  if (!strategy) return [];
  const s = readSettings();
  const lang = args.lang ?? s.codegen.lang;
  const out = args.out ?? generatedSourcesPath(configs, lang);
  try {
    const files = generateEngine({ configs, strategy, lang, package: args.package ?? s.codegen.package, out });
    ctx.log.info(`generated ${files.length} ${lang} files in ${out}`);
    await openBeside(mainSources(files));
    void vscode.window.showInformationMessage(`Generated the ${lang === 'kotlin' ? 'Kotlin' : 'Java'} adaptation engine in ${vscode.workspace.asRelativePath(out)}.`);
    return files;
  } catch (e) {
    await showError(ctx.log, 'Generating the adaptation code', e);
    return [];
  }
}
