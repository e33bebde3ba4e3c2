import * as vscode from 'vscode';
import { MobiproxError } from '../../core/errors';
import { CommandContext } from '../commandContext';

/** The device to work on: the only usable one, or one picked; an error that says how to get one when none is. */
export async function pickDevice(ctx: CommandContext, title: string): Promise<string | undefined> {
  await ctx.devices.ensureStarted();
  if (ctx.devices.error) throw new MobiproxError(`${ctx.devices.error} Check the mobiprox.adbPath setting.`);
  const usable = ctx.devices.devices.filter((d) => d.state === 'device');
  if (usable.length === 0) {
    throw new MobiproxError('No Android device is attached: plug one in with USB debugging on, or run Mobiprox: Start Virtual Device.');
  }
  if (usable.length === 1) return usable[0].serial;
  const pick = await vscode.window.showQuickPick(
    usable.map((d) => ({ label: d.model ?? d.serial, description: `${d.serial} · ${d.abis[0] ?? ''}`, serial: d.serial })),
    { title, placeHolder: 'Device to profile on' },
  );
  return pick?.serial;
}
