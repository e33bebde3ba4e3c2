import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

/** Every page is plotly's basic bundle, the shared page.css, then the page's own <name>.css and <name>.js. */
export interface WebviewPage {
  title: string;
  /** The page's bundle under out/webview/, e.g. "pareto" (webview/build.mjs writes one per webview/src folder). */
  name: string;
}

/** The folder every webview resource is loaded from, and the only one the webviews may read. */
export function webviewRoot(extensionUri: vscode.Uri): vscode.Uri {
  return vscode.Uri.joinPath(extensionUri, 'out', 'webview');
}

/**
 * A page shell with a strict Content-Security-Policy: scripts only with this page's nonce, styles and images
 * only from the extension's webview folder, nothing else; every local file through asWebviewUri.
 */
export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, page: WebviewPage): string {
  const nonce = randomBytes(16).toString('base64');
  const uri = (file: string): string => webview.asWebviewUri(vscode.Uri.joinPath(webviewRoot(extensionUri), file)).toString();
  const styles = ['plotly.css', 'page.css', `${page.name}.css`];
  const scripts = ['plotly-basic.min.js', `${page.name}.js`];
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} data:`,
    `font-src ${webview.cspSource}`,
    `style-src ${webview.cspSource} 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(page.title)}</title>
${PLOTLY_NO_INLINE_STYLES}
${styles.map((s) => `<link rel="stylesheet" nonce="${nonce}" href="${uri(s)}">`).join('\n')}
</head>
<body>
<main id="app" aria-busy="true"></main>
${scripts.map((s) => `<script nonce="${nonce}" src="${uri(s)}"></script>`).join('\n')}
</body>
</html>`;
}

/** Plotly skips injecting inline <style> (forbidden here) when this element exists; plotly.css has its rules. */
const PLOTLY_NO_INLINE_STYLES = '<meta id="plotly.js-style-global" class="no-inline-styles">';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
