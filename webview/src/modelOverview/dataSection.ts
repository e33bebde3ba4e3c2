import '@vscode-elements/elements/dist/vscode-button/index.js';
import { DataSection } from '../../../src/ui/protocol/modelOverview';
import { el } from '../dom';

/**
 * The model's input contract: its data configuration's files and preprocessing, the exact model's accuracy on
 * the first samples against chance (a warning when that is about chance), and a button to edit or propose it.
 */
export function dataSectionElement(data: DataSection | undefined, edit: () => void): HTMLElement {
  const section = el('section', 'data');
  section.id = 'data';
  const button = el('vscode-button', undefined, data?.config ? 'Edit Data Configuration' : 'Propose Data Configuration');
  button.title = data?.config
    ? `Open ${data.file}: input and label files, channel order, scale, mean and std`
    : 'Pick the input samples and labels: a configuration is proposed from them (8-bit → 1/255, channels last → first), previewed and saved';
  button.addEventListener('click', edit);
  const title = el('div', 'section-title', el('h2', undefined, 'Data'), button);
  if (!data) return el('section', 'data', title, el('p', 'hint', 'Reading the data configuration…'));
  if (!data.config) {
    section.append(title, el('p', 'hint', `No data configuration yet (${data.file}): Tune Model, Profile on Device and Compare ask for the files and propose one.`));
    return section;
  }
  const c = data.config;
  const rows: [string, string][] = [
    ['Configuration', data.file], ['Input', c.input], ['Labels', c.labels], ['Layout', c.layout], ['Scale', c.scale], ['Mean', c.mean], ['Std', c.std],
    ...(c.standardize ? [['Standardize', "by the set's own statistics"] as [string, string]] : []),
  ];
  section.append(title, el('dl', 'summary', ...rows.flatMap(([k, v]) => [el('dt', undefined, k), el('dd', undefined, v)])));
  const p = data.preview;
  if (p) {
    // the problem's sentence gives the accuracy and chance itself
    section.append(p.problem
      ? el('p', 'data-preview problem', `⚠ ${p.problem[0].toUpperCase()}${p.problem.slice(1)}`)
      : el('p', 'data-preview', `Exact accuracy ${p.accuracy.toFixed(1)} % on the first ${p.samples} samples (chance ${p.chance.toFixed(1)} %).`));
  } else if (data.error) {
    section.append(el('p', 'data-preview problem', `⚠ ${data.error}`));
  } else {
    section.append(el('p', 'hint', 'Running the exact model on the first samples…'));
  }
  return section;
}
