import * as vscode from 'vscode';
import { CommandContext } from './commandContext';
import { buildBundle } from './commands/buildBundle';
import { compareConfigurations } from './commands/compareConfigurations';
import { editDataConfiguration } from './commands/editDataConfiguration';
import { generateCode } from './commands/generateCode';
import { insertSnippet, snippetCompletions } from './commands/insertSnippet';
import { measureComposition } from './commands/measureComposition';
import { openModel } from './commands/openModel';
import { profileOnDevice } from './commands/profileOnDevice';
import { showParetoPlot } from './commands/showParetoPlot';
import { simulateStrategy } from './commands/simulateStrategy';
import { tuneModel } from './commands/tuneModel';
import { startVirtualDevice, stopVirtualDevice } from './commands/virtualDevice';
import { DeviceTracker } from './devices/deviceTracker';
import { createDevicesView } from './devices/devicesView';
import { VirtualDevices } from './devices/virtualDevices';
import { LastOpenedModel } from './model/lastOpenedModel';
import { createModelView } from './model/modelTreeProvider';
import { MODEL_OVERVIEW_VIEW_TYPE, ModelOverviewEditorProvider } from './modelOverview/modelOverviewEditor';
import { PARETO_VIEW_TYPE, ParetoPanels } from './pareto/paretoPanels';
import { RunEntry, RunLog } from './runs/runLog';
import { createRunsView } from './runs/runsView';
import { readSettings } from './settings';
import { restoreExecutableBits } from './shippedRuntime';
import { TIMELINE_VIEW_TYPE, TimelinePanels } from './timeline/timelinePanels';

let virtualDevices: VirtualDevices | undefined;

/** Wires the views, editors, panels and commands; VS Code disposes them all with the subscriptions. */
export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Mobiprox', { log: true });
  for (const file of restoreExecutableBits(context.extensionPath)) log.info(`made ${file} executable`);
  const lastModel = new LastOpenedModel(context.workspaceState);
  const devices = new DeviceTracker(() => readSettings().adbPath);
  virtualDevices = new VirtualDevices(devices);
  const runs = new RunLog({
    load: () => context.workspaceState.get<RunEntry[]>('mobiprox.runs', []),
    save: (all) => void context.workspaceState.update('mobiprox.runs', all),
  });
  const ctx: CommandContext = { extensionUri: context.extensionUri, log, runs, lastModel, devices, virtualDevices };
  const actions = { profile: 'mobiprox.profileOnDevice', bundle: 'mobiprox.buildBundle', compare: 'mobiprox.compareConfigurations' };
  const pareto = new ParetoPanels(context.extensionUri, log, (action, configs, names) =>
    void vscode.commands.executeCommand(actions[action], { configs, names }),
  );
  const timeline = new TimelinePanels(context.extensionUri);
  const command = (id: string, run: (...args: any[]) => unknown) => vscode.commands.registerCommand(id, run);
  const modelView = createModelView(lastModel);

  context.subscriptions.push(
    log,
    lastModel,
    devices,
    virtualDevices,
    pareto,
    modelView,
    createDevicesView(devices, virtualDevices),
    createRunsView(runs),
    snippetCompletions(),
    vscode.window.registerCustomEditorProvider(
      MODEL_OVERVIEW_VIEW_TYPE,
      new ModelOverviewEditorProvider(context.extensionUri, lastModel, log),
      { supportsMultipleEditorsPerDocument: true },
    ),
    vscode.window.registerWebviewPanelSerializer(PARETO_VIEW_TYPE, pareto),
    vscode.window.registerWebviewPanelSerializer(TIMELINE_VIEW_TYPE, timeline),
    command('mobiprox.openModel', (uri?: vscode.Uri) => openModel(uri)),
    command('mobiprox.editDataConfiguration', (args?) => editDataConfiguration(ctx, uriArgument(args))),
    command('mobiprox.tuneModel', (args?) => tuneModel(ctx, uriArgument(args))),
    command('mobiprox.profileOnDevice', (args?) => profileOnDevice(ctx, pareto, uriArgument(args))),
    command('mobiprox.showParetoPlot', (args?) => showParetoPlot(ctx, pareto, args)),
    command('mobiprox.simulateStrategy', (args?) => simulateStrategy(ctx, timeline, args)),
    command('mobiprox.generateCode', (args?) => generateCode(ctx, args)),
    command('mobiprox.buildBundle', (args?) => buildBundle(ctx, pareto, uriArgument(args))),
    command('mobiprox.measureComposition', () => {
      const { model, knobs } = modelView.composition();
      return measureComposition(ctx, pareto, model, knobs);
    }),
    command('mobiprox.compareConfigurations', (args) => compareConfigurations(ctx, pareto, args)),
    command('mobiprox.startVirtualDevice', (args?) => startVirtualDevice(ctx, args)),
    command('mobiprox.stopVirtualDevice', (target?) => stopVirtualDevice(ctx, target)),
    command('mobiprox.refreshDevices', () => devices.refresh()),
    // The snippet names the assets of the model in view, as Build Android Bundle names them.
    command('mobiprox.insertSnippet', (args?) => insertSnippet({ model: args?.model ?? modelName(lastModel) })),
  );
  log.info(`Mobiprox ${context.extension.packageJSON.version} activated`);
  // the Model view shows the last session's model again, rather than its empty state, after a reload
  void lastModel.restore(log);
}

/** The devices this window started stop with it, not with the machine. */
export async function deactivate(): Promise<void> {
  await virtualDevices?.stopAll();
}

function modelName(lastModel: LastOpenedModel): string | undefined {
  const loaded = lastModel.value;
  return loaded && 'model' in loaded ? loaded.model.name : undefined;
}

/** From the explorer's context menu a command gets the file's Uri: that is the model. */
function uriArgument<T extends { model?: string }>(args: T | vscode.Uri | undefined): T | undefined {
  return args instanceof vscode.Uri ? ({ model: args.fsPath } as T) : args;
}
