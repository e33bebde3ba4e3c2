import { CommandContext } from '../commandContext';
import { pickModelFile } from '../picks';

/** The model a command works on: the argument, else the model in view (a local file), else one picked. */
export async function modelArgument(ctx: CommandContext, given: string | undefined, title: string): Promise<string | undefined> {
  if (given) return given;
  const uri = ctx.lastModel.uri;
  if (uri?.scheme === 'file' && ctx.lastModel.value && 'model' in ctx.lastModel.value) return uri.fsPath;
  return pickModelFile(title);
}
