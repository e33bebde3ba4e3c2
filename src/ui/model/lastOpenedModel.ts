import * as vscode from 'vscode';
import { LoadedModel } from './loadModel';
import { loadModelAt } from './loadModelAt';

const KEY = 'mobiprox.lastModel';

/**
 * The model the user opened or focused last: what the Model view shows. Its file is remembered in the
 * workspace's state, so that the view shows it again after a reload, before any editor is focused.
 */
export class LastOpenedModel implements vscode.Disposable {
  private current: LoadedModel | undefined;
  private currentUri: vscode.Uri | undefined;
  private readonly changed = new vscode.EventEmitter<LoadedModel | undefined>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly state: vscode.Memento) {}

  get value(): LoadedModel | undefined {
    return this.current;
  }

  /** The model's file, for the commands that work on it (Tune Model, Profile on Device, Build Android Bundle). */
  get uri(): vscode.Uri | undefined {
    return this.currentUri;
  }

  set(loaded: LoadedModel, uri: vscode.Uri): void {
    if (loaded === this.current) return;
    this.current = loaded;
    this.currentUri = uri;
    void this.state.update(KEY, uri.toString());
    this.changed.fire(loaded);
  }

  /** Loads the model remembered from the last session, unless one was opened meanwhile or it is gone. */
  async restore(log: vscode.LogOutputChannel): Promise<void> {
    const remembered = this.state.get<string>(KEY);
    if (!remembered || this.current) return;
    const uri = vscode.Uri.parse(remembered);
    try {
      await vscode.workspace.fs.stat(uri);
    } catch {
      void this.state.update(KEY, undefined);
      return;
    }
    const loaded = await loadModelAt(uri, log);
    if (!this.current) this.set(loaded, uri);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
