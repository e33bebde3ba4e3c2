import * as vscode from 'vscode';
import { LoadedModel } from './loadModel';

/** The model the user opened or focused last: what the Model view shows. */
export class LastOpenedModel implements vscode.Disposable {
  private current: LoadedModel | undefined;
  private currentUri: vscode.Uri | undefined;
  private readonly changed = new vscode.EventEmitter<LoadedModel | undefined>();
  readonly onDidChange = this.changed.event;

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
    this.changed.fire(loaded);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
