import * as vscode from 'vscode';
import { LoadedModel } from './loadModel';

/** The model the user opened or focused last: what the Model view shows. */
export class LastOpenedModel implements vscode.Disposable {
  private current: LoadedModel | undefined;
  private readonly changed = new vscode.EventEmitter<LoadedModel | undefined>();
  readonly onDidChange = this.changed.event;

  get value(): LoadedModel | undefined {
    return this.current;
  }

  set(loaded: LoadedModel): void {
    if (loaded === this.current) return;
    this.current = loaded;
    this.changed.fire(loaded);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
