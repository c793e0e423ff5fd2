// The admin app in a real Chromium against the real server (serving the app's build) and database.
import {
  launchChromium,
  type Browser,
  type BrowserContext,
  type Page,
} from '@allot/browser-testing';
import { expect } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';

export interface AdminHarness {
  server: TestServer;
  browser: Browser;
  close: () => Promise<void>;
}

/** The server on its own address (cookies are not Secure over plain http), serving the built app. */
export async function startAdminHarness(
  options: Parameters<typeof startTestServer>[0] = {},
): Promise<AdminHarness> {
  const server = await startTestServer({ selfPublicUrl: true, admin: true, ...options });
  const browser = await launchChromium();
  return {
    server,
    browser,
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}

let partners = 0;

/** A partner (through the operator API) with an admin user, as the operator onboards one. */
export async function partnerWithAdmin(
  server: TestServer,
  overrides: Record<string, unknown> = {},
) {
  partners += 1;
  const email = `admin${partners}-${Math.random().toString(36).slice(2, 8)}@agency.example`;
  const password = 'correct horse battery';
  const created = await server.createPartner({
    name: `Agency ${partners}`,
    admin: { email, password },
    ...overrides,
  });
  return { ...created, email, password };
}

/** A fresh browser profile at 1280x800; page errors fail the test that reads `errors`. */
export async function openApp(harness: AdminHarness, path = '/') {
  const context: BrowserContext = await harness.browser.newContext({
    viewport: { width: 1280, height: 800 },
    baseURL: harness.server.url,
  });
  // Fail an action well inside the test's own timeout, so the report names the locator.
  context.setDefaultTimeout(8000);
  const page: Page = await context.newPage();
  const errors: Error[] = [];
  page.on('pageerror', (error) => errors.push(error));
  await page.goto(path);
  return { context, page, errors };
}

/** Signs in through the form. */
export async function signIn(page: Page, email: string, password: string) {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(() => page.getByRole('navigation', { name: 'Main' }).isVisible()).toBe(true);
}
