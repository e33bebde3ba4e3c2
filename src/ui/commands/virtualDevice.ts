import * as vscode from 'vscode';
import { VIRTUAL_ABIS, VirtualAbi } from '../../virtualDevice/properties';
import { CommandContext } from '../commandContext';
import { showError } from '../showError';

/** Mobiprox: Start Virtual Device — a device adb attaches like a phone (ARM ABIs run under qemu-user). Resolves to its serial. */
export async function startVirtualDevice(ctx: CommandContext, args: { abi?: VirtualAbi } = {}): Promise<string | undefined> {
  const abi =
    args.abi ??
    (
      await vscode.window.showQuickPick(
        VIRTUAL_ABIS.map((a) => ({ label: a, description: a === 'x86_64' ? 'native on this machine' : 'under qemu-user', abi: a })),
        { title: 'Mobiprox: Start Virtual Device', placeHolder: "The device's ABI" },
      )
    )?.abi;
  if (!abi) return undefined;
  try {
    const device = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Starting a virtual ${abi} device` },
      () => ctx.virtualDevices.start(abi),
    );
    await ctx.devices.waitFor(device.serial);
    ctx.log.info(`virtual ${abi} device at ${device.serial}, filesystem in ${device.root}`);
    return device.serial;
  } catch (e) {
    await showError(ctx.log, 'Starting the virtual device', e);
    return undefined;
  }
}

/** Mobiprox: Stop Virtual Device — the one clicked in the Devices view, or the one picked. */
export async function stopVirtualDevice(ctx: CommandContext, target?: string | { serial: string }): Promise<void> {
  let serial = typeof target === 'string' ? target : target?.serial;
  if (!serial) {
    const running = [...ctx.virtualDevices.serials];
    serial = running.length === 1 ? running[0] : await vscode.window.showQuickPick(running, { title: 'Mobiprox: Stop Virtual Device' });
  }
  if (!serial) return;
  try {
    if (!(await ctx.virtualDevices.stop(serial))) void vscode.window.showWarningMessage(`${serial} is not a virtual device this window started.`);
    else ctx.log.info(`virtual device ${serial} stopped`);
  } catch (e) {
    await showError(ctx.log, `Stopping ${serial}`, e);
  }
}
