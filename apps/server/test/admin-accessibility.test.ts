import { defined } from '@allot/domain';
// Every screen of the admin app, on a partner with weeks of activity: axe-core finds no serious
// or critical accessibility violation. With ALLOT_SCREENSHOTS set to a directory (as
// `pnpm --filter @allot/admin screenshots` does), each screen is also saved there at 1280x800.
import { createDatasetResolver, type IdentityResolver } from '@allot/api';
import type { BrowserContext, Page } from '@allot/browser-testing';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, startAdminHarness, type AdminHarness } from './admin-browser.ts';
import { DEMO_LOGO_URL, demoClock, seedDemo, writeDemoDataset } from './admin-demo.ts';

// axe-core's own build, injected into the page: @axe-core/playwright wants a newer Node than ours.
const axeSource = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);
const screenshots = process.env.ALLOT_SCREENSHOTS;

let dir: string;
let identity: IdentityResolver;
let harness: AdminHarness;
let demo: Awaited<ReturnType<typeof seedDemo>>;
let context: BrowserContext;
let page: Page;
const errors: Error[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'allot-demo-'));
  identity = (await createDatasetResolver(writeDemoDataset(dir))).resolver;
  harness = await startAdminHarness({ identity, trustProxy: ['127.0.0.1'], now: demoClock.now });
  demo = await seedDemo(harness.server);
  // Two webhook endpoints, one of them disabled by Allot after failing (a dashboard warning).
  // Written directly: this server refuses the http receivers a real delivery would need.
  const at = new Date(demoClock.now());
  for (const [url, disabledReason] of [
    ['https://crm.agency.example/allot/webhooks', null],
    ['https://old.agency.example/hooks', 'Every delivery failed for 28 hours'],
  ] as const)
    await harness.server.db
      .insertInto('webhook_endpoints')
      .values({
        id: randomUUID(),
        partner_id: demo.partnerId,
        url,
        description: disabledReason ? null : 'CRM sync',
        event_types: disabledReason ? [] : ['credit_balance.dropped', 'credits.granted'],
        enabled: !disabledReason,
        secret: `whsec_${randomUUID().replaceAll('-', '')}`,
        disabled_reason: disabledReason,
        created_at: at,
        updated_at: at,
      })
      .execute();
  // The pages' Content-Security-Policy would refuse the injected axe script; bypass it here only.
  context = await harness.browser.newContext({
    viewport: { width: 1280, height: 800 },
    baseURL: harness.server.url,
    bypassCSP: true,
  });
  context.setDefaultTimeout(10_000);
  // The partner's logo lives on its own CDN; the browser is handed a stand-in.
  await context.route(DEMO_LOGO_URL, (route) =>
    route.fulfill({ contentType: 'image/svg+xml', body: DEMO_LOGO }),
  );
  page = await context.newPage();
  page.on('pageerror', (error) => errors.push(error));
  if (screenshots) mkdirSync(screenshots, { recursive: true });
}, 300_000);
afterAll(async () => {
  await context?.close();
  await harness?.close();
  await identity?.close();
  rmSync(dir, { recursive: true, force: true });
});

const DEMO_LOGO = `<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40" viewBox="0 0 40 40">
<rect width="40" height="40" rx="9" fill="#0f766e"/>
<path d="M11 29V11h4l10 11.5V11h4v18h-4L15 17.5V29z" fill="#fff"/></svg>`;

interface Violation {
  id: string;
  impact: string;
  help: string;
  nodes: { target: string[] }[];
}

/** Runs axe on the page as it is; returns serious and critical violations, briefly. */
async function seriousViolations() {
  if ((await page.evaluate('typeof window.axe')) !== 'object')
    await page.addScriptTag({ content: axeSource });
  const { violations, passed } = await page.evaluate<{ violations: Violation[]; passed: number }>(
    'axe.run(document).then((r) => ({ violations: r.violations, passed: r.passes.length }))',
  );
  // axe did look: a rendered screen passes dozens of its rules.
  expect(passed).toBeGreaterThan(10);
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    );
}

/** Checks the screen, and saves it when screenshots are asked for. */
async function check(name: string) {
  // Settled: no spinner left, fonts and layout done.
  await page.locator('.spinner').first().waitFor({ state: 'detached' });
  expect(await seriousViolations(), name).toEqual([]);
  if (screenshots) await page.screenshot({ path: join(screenshots, `${name}.png`) });
}

describe('every screen of the admin app', () => {
  it('sign-in', async () => {
    await page.goto('/');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await check('sign-in');
    await signIn(page, demo.email, demo.password);
  });

  it('dashboard', async () => {
    await page.getByRole('heading', { name: 'Identifications per day' }).waitFor();
    await page.getByRole('meter', { name: 'Pool allocated' }).waitFor();
    await page.locator('figure.chart svg').waitFor();
    await page.getByText('1 bill is overdue').waitFor();
    await check('dashboard');
  });

  it('organizations, and the create dialog', async () => {
    await page.goto('/organizations');
    await page.getByText('7 organizations').waitFor();
    await check('organizations');
    await page.getByRole('button', { name: 'New organization' }).click();
    await page.getByText('Pool left this period', { exact: false }).waitFor();
    await check('organizations-create');
    await page.keyboard.press('Escape');
  });

  const tabs = [
    ['overview', '', 'Details'],
    ['credits', '/credits', 'Ledger'],
    ['pixel', '/pixel', 'Script tag'],
    ['visitors', '/visitors', 'Top pages'],
    ['icp', '/icp', 'ICP profiles'],
    ['billing', '/billing', 'Billing cycle'],
  ] as const;
  for (const [name, path, marker] of tabs) {
    it(`organization: ${name}`, async () => {
      await page.goto(
        `/organizations/${defined(demo.organizations[0], 'a demo organization').id}${path}`,
      );
      await page.getByText(marker, { exact: true }).first().waitFor();
      // The Billing tab's picture is of what the partner invoices the organization.
      if (name === 'billing') {
        await page.getByRole('heading', { name: 'Upcoming invoice' }).waitFor();
        await page.evaluate("document.getElementById('invoicing-title').scrollIntoView()");
      }
      await check(`organization-${name}`);
    });
  }

  it('organization: the grant dialog', async () => {
    await page.goto(
      `/organizations/${defined(demo.organizations[0], 'a demo organization').id}/credits`,
    );
    await page.getByRole('button', { name: 'Grant credits' }).click();
    await page.getByText('Pool left this period', { exact: false }).waitFor();
    // A sale, about to be invoiced: the cost basis and the invoice choice show.
    const grant = page.getByRole('dialog', { name: 'Grant credits' });
    await grant.getByLabel('Amount', { exact: true }).fill('2000');
    await grant.getByLabel('Kind').selectOption('purchased');
    await grant.getByLabel('Cost per credit (USD)').fill('0.04');
    await grant.getByLabel('Invoice this purchase').check();
    await grant.getByLabel('Reason').fill('Q1 package');
    await check('organization-credits-grant');
    await page.keyboard.press('Escape');
  });

  it('usage', async () => {
    const from = new Date(Date.now() - 17 * 86_400_000).toISOString().slice(0, 10);
    await page.goto(`/usage?from=${from}`);
    await page.getByRole('heading', { name: 'Per organization' }).waitFor();
    await check('usage');
  });

  it('billing, and a bill opened', async () => {
    await page.goto('/billing');
    await page.getByRole('region', { name: 'usd credits (USD)' }).waitFor();
    await page
      .getByRole('region', { name: 'Upcoming invoice' })
      .locator('tbody tr')
      .first()
      .waitFor();
    await page.locator('table.bills > tbody > tr').nth(1).waitFor();
    await check('billing');
    // The newest bill: the pool's raise, paid.
    await page.locator('table.bills button.disclosure').first().click();
    await page.getByRole('heading', { name: 'Payments' }).waitFor();
    await check('billing-bill');
  });

  it('invoices to the organizations, and one opened', async () => {
    await page.goto('/invoices');
    await page.locator('table.bills tbody tr').nth(2).waitFor();
    await page.getByText('1 invoice is overdue', { exact: false }).waitFor();
    await check('client-invoices');
    await page.getByRole('link', { name: demo.acmeInvoice.number, exact: true }).click();
    await page.getByRole('heading', { name: `Invoice ${demo.acmeInvoice.number}` }).waitFor();
    await page.getByRole('form', { name: 'Record a payment' }).waitFor();
    await check('client-invoice');
  });

  it('credits report', async () => {
    await page.goto('/reports/credits');
    await page.getByRole('table', { name: 'Credits by organization and credit type' }).waitFor();
    await page.locator('figure.chart svg').waitFor();
    await check('credits-report');
  });

  it('pricing', async () => {
    await page.goto('/pricing');
    await page.getByRole('heading', { name: 'Default prices' }).waitFor();
    await check('pricing');
  });

  it('branding, with its preview', async () => {
    await page.goto('/branding');
    await page.getByRole('img', { name: 'Northwind Digital logo' }).waitFor();
    // Loaded, not just in the page: the stand-in logo is drawn in the preview.
    await expect
      .poll(() => page.evaluate("document.querySelector('.invoice-sheet img').naturalWidth"))
      .toBeGreaterThan(0);
    await check('branding');
  });

  it('API keys', async () => {
    await page.goto('/api-keys');
    await page.locator('tbody tr').first().waitFor();
    await check('api-keys');
  });

  it('webhooks, an endpoint and the create dialog', async () => {
    await page.goto('/webhooks');
    await page.locator('tbody tr').nth(1).waitFor();
    await check('webhooks');
    await page.getByRole('link', { name: 'https://crm.agency.example/allot/webhooks' }).click();
    await page.getByRole('heading', { name: 'Delivery log' }).waitFor();
    await check('webhooks-endpoint');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page.getByRole('dialog', { name: 'Add a webhook endpoint' }).waitFor();
    await check('webhooks-create');
    await page.keyboard.press('Escape');
  });

  it('team', async () => {
    await page.goto('/team');
    await page.locator('tbody tr').first().waitFor();
    await check('team');
    expect(errors).toEqual([]);
  });
});
