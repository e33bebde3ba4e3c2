import * as vscode from 'vscode';
import { StrategySpec } from '../../core/adapt';

interface StrategyPick extends vscode.QuickPickItem {
  strategy: 'naive' | 'state' | 'confidence' | 'budget';
}

const PICKS: StrategyPick[] = [
  { strategy: 'confidence', label: 'Confidence-driven', description: 'approximates more while the calibrated confidence is high' },
  { strategy: 'budget', label: 'Budget', description: 'keeps the mean relative cost under a bound' },
  { strategy: 'state', label: 'State-driven', description: 'moves on votes over the last predictions' },
  { strategy: 'naive', label: 'Naive', description: 'approximates more while the prediction stays the same' },
];

/** An adaptation strategy chosen in a quick pick (the budget asked in an input box). */
export async function pickStrategy(title: string): Promise<StrategySpec | undefined> {
  const pick = await vscode.window.showQuickPick(PICKS, { title, placeHolder: 'Adaptation strategy' });
  if (!pick) return undefined;
  if (pick.strategy !== 'budget') return { kind: pick.strategy };
  const text = await vscode.window.showInputBox({
    title,
    prompt: 'Bound on the mean relative cost (exact = 1)',
    value: '0.7',
    validateInput: (v) => (Number(v) > 0 && Number(v) <= 1 ? undefined : 'A number in (0, 1], e.g. 0.7'),
  });
  return text === undefined ? undefined : { kind: 'budget', budget: Number(text) };
}
