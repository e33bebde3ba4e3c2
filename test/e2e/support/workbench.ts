import { Frame, Locator, Page } from 'playwright-core';

/** Drives the VS Code workbench in the page the way a user does: keyboard, palette, quick open. */
export class Workbench {
  constructor(readonly page: Page) {}

  /** The workbench is up: activity bar and status bar drawn, extensions' contributions read. */
  async ready(): Promise<void> {
    await this.page.locator('.monaco-workbench .part.activitybar').waitFor({ timeout: 120_000 });
    await this.page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: 120_000 });
  }

  /**
   * Runs a command by its palette title, e.g. "Mobiprox: Open Model". An editor that an earlier command is
   * still opening can take the focus and close the palette under the user; like the user, open it again.
   */
  async runCommand(title: string, attempts = 3): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.page.keyboard.press('F1');
        const input = this.quickInput();
        await input.fill(`>${title}`, { timeout: 10_000 });
        // Exactly this command: its row's label is the title, then the keybinding if it has one.
        const row = this.page
          .locator('.quick-input-widget .quick-input-list')
          .getByRole('option', { name: new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(,|$)`) });
        await row.click({ timeout: 10_000 });
        return;
      } catch (e) {
        if (attempt >= attempts) throw e;
        await this.page.keyboard.press('Escape');
      }
    }
  }

  /** Opens a workspace file with Quick Open (what Ctrl+P does), with its default editor. */
  async quickOpen(fileName: string): Promise<void> {
    await this.page.keyboard.press('F1');
    const input = this.quickInput();
    await input.waitFor();
    await input.fill(fileName);
    await this.quickPickRow(fileName).first().click();
  }

  quickInput(): Locator {
    return this.page.locator('.quick-input-widget .quick-input-box input');
  }

  quickPickRow(text: string): Locator {
    return this.page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: text });
  }

  async closeAllEditors(): Promise<void> {
    await this.runCommand('View: Close All Editors');
    await this.page.locator('.editor-group-container .tab').first().waitFor({ state: 'detached' });
  }

  /**
   * Moves the focus out of a webview the test clicked in. A webview reports its focus to the workbench
   * late; arriving after a quick pick opened, it would close the pick.
   */
  async leaveWebview(): Promise<void> {
    await this.page.waitForTimeout(500);
    await this.runCommand('View: Focus into Primary Side Bar');
  }

  /** A notification toast whose text matches. */
  notification(text: string | RegExp): Locator {
    return this.page.locator('.notifications-toasts .notification-toast', { hasText: text });
  }

  /** An editor tab, by its label. */
  editorTab(label: string): Locator {
    return this.page.locator('.editor-group-container .tab', { hasText: label });
  }

  activityBarItem(label: string): Locator {
    return this.page.locator(`.part.activitybar .action-label[aria-label^="${label}"]`);
  }

  /** A pane (view) of the side bar, by its title. */
  sideBarPane(title: string): Locator {
    return this.page
      .locator('.part.sidebar .pane')
      .filter({ has: this.page.locator('.pane-header .title', { hasText: new RegExp(`^${title}$`, 'i') }) });
  }

  /** The frame of the first webview whose page holds `selector` (webviews nest two iframes deep). */
  async webviewFrameWith(selector: string, timeoutMs = 60_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      for (const frame of this.page.frames()) {
        if (frame.isDetached()) continue;
        if ((await frame.locator(selector).count().catch(() => 0)) > 0) return frame;
      }
      await this.page.waitForTimeout(100);
    }
    throw new Error(`no webview shows ${selector} within ${timeoutMs / 1000} s`);
  }
}
