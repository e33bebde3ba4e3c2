/** A VS Code theme colour (a --vscode-* CSS variable on the page), for code that cannot use CSS itself. */
export function themeColor(variable: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(variable).trim() || fallback;
}

/** Calls `repaint` when the user switches the colour theme (VS Code changes the body's class then). */
export function onThemeChange(repaint: () => void): void {
  new MutationObserver(repaint).observe(document.body, { attributes: true, attributeFilter: ['class'] });
}
