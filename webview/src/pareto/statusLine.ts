import '@vscode-elements/elements/dist/vscode-button/index.js';
import { PanelStatus } from '../../../src/ui/protocol/pareto';
import { el } from '../dom';

const ICON: Record<PanelStatus['state'], string> = { running: '⟳', done: '✓', failed: '✗', cancelled: '–' };

/** The status line's content: a mark of its state, the sentence, and while running a bar and a Cancel button. */
export function statusLine(status: PanelStatus, cancel: () => void): HTMLElement[] {
  const line = [el('span', `status-mark ${status.state}`, ICON[status.state]), el('span', 'status-text', status.text)];
  if (status.state !== 'running') return line;
  const bar = el('progress', 'status-progress') as HTMLProgressElement;
  if (status.fraction !== undefined) bar.value = status.fraction;
  const button = el('vscode-button', undefined, 'Cancel');
  button.setAttribute('secondary', '');
  button.addEventListener('click', cancel);
  return [...line, bar, button];
}
