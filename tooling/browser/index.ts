import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { VISITOR_USER_AGENT } from './user-agents.ts';

export { BOT_USER_AGENTS, VISITOR_USER_AGENT } from './user-agents.ts';

/** The Chromium that browser tests drive: `CHROMIUM_PATH`, else Debian's package. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * A headless system Chromium under playwright-core (which downloads no browser of its own).
 * The flags keep it quiet and quick: no sandbox (containers, root), no GPU, no QUIC, and none of
 * the background traffic (component updates, sync, first-run) that a test has no use for.
 * `extraArgs` come after, e.g. `--disable-blink-features=AutomationControlled`, which makes
 * `navigator.webdriver` false as in a visitor's browser.
 */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  // Browser tests are part of the suite: without a browser they fail, saying how to get one.
  if (!existsSync(chromiumPath))
    throw new Error(
      `No Chromium at ${chromiumPath}: install it (apt-get install -y chromium; .ci/run does) or set CHROMIUM_PATH`,
    );
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
    timeout: 30_000,
  });
}

/**
 * A Chromium that looks like a visitor's browser, not a test runner's: `navigator.webdriver`
 * false and a desktop Chrome user agent (headless Chromium's own names it headless, which the
 * server counts as a bot).
 */
export function launchVisitorChromium(): Promise<Browser> {
  return launchChromium([
    '--disable-blink-features=AutomationControlled',
    `--user-agent=${VISITOR_USER_AGENT}`,
  ]);
}

export type { Browser, BrowserContext, Page } from 'playwright-core';
