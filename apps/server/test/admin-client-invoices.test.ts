import { defined } from '@allot/domain';
// A partner invoicing one of its organizations in the admin app, end to end in Chromium against
// the real server and database: prices set, a new organization given a $25 welcome credit and
// sold 10,000 credits on an invoice that applies it, the payment recorded, the balances and the
// credits report following. Every assertion is on what the partner sees.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from '@allot/browser-testing';
import {
  openApp,
  partnerWithAdmin,
  signIn,
  startAdminHarness,
  type AdminHarness,
} from './admin-browser.ts';
import { DAY } from './time.ts';

let harness: AdminHarness;
beforeAll(async () => {
  harness = await startAdminHarness();
  // The operator's monetary credit type: one credit is one US cent.
  const created = await harness.server.request('POST', '/operator/credit-types', {
    operator: true,
    body: { key: 'usd', name: 'US dollar credit', unit: 'cent', currency: 'USD' },
  });
  expect(created.status).toBe(201);
}, 300_000);
afterAll(() => harness?.close());

const nav = (page: Page, name: string) =>
  page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();

/** `YYYY-MM-DDTHH:mm`, UTC, as a datetime-local input takes it. */
const inputTime = (date: Date) => date.toISOString().slice(0, 16);

const definitions = (scope: ReturnType<Page['locator']>) =>
  scope.getByRole('definition').allTextContents();

describe('a partner invoicing its organizations in the admin app', () => {
  it('prices, grants a welcome credit, sells credits on an invoice that applies it, records the payment; balances and the report follow', async () => {
    const admin = await partnerWithAdmin(harness.server, { poolCredits: 20_000 });
    const { page, context, errors } = await openApp(harness);
    await signIn(page, admin.email, admin.password);

    // Default prices: USD, nothing billed per period, 30 days to pay.
    await nav(page, 'Pricing');
    await page.getByRole('heading', { name: 'Default prices' }).waitFor();
    await page
      .getByText('Not set: your organizations are not invoiced', { exact: false })
      .waitFor();
    await page.getByLabel('Currency').selectOption('USD');
    await page.getByRole('button', { name: 'Save prices' }).click();
    await page.getByRole('button', { name: 'Saved' }).waitFor();

    // A new client organization.
    await nav(page, 'Organizations');
    await page.getByRole('button', { name: 'New organization' }).click();
    const create = page.getByRole('dialog', { name: 'New organization' });
    await create.getByLabel('Name').fill('Harbor Bakery');
    await create.getByLabel('Tier').selectOption('paid');
    await create.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: 'Harbor Bakery' }).waitFor();
    await page
      .getByRole('navigation', { name: 'Organization' })
      .getByRole('link', { name: 'Credits' })
      .click();
    const identification = page.getByRole('region', { name: 'identification credits' });
    await expect.poll(() => identification.getByRole('definition').textContent()).toBe('0');

    // A $25.00 welcome credit, expiring in 90 days: entered as money, granted as 2,500 cents.
    await page.getByRole('button', { name: 'Grant credits' }).click();
    const grant = page.getByRole('dialog', { name: 'Grant credits' });
    await grant.getByLabel('Credit type').selectOption({ label: 'US dollar credit (USD)' });
    await grant.getByLabel('Amount (USD)').fill('25.001');
    await grant
      .getByLabel('Expires (UTC, optional)')
      .fill(inputTime(new Date(Date.now() + 90 * DAY)));
    await grant.getByLabel('Reason').fill('Welcome credit');
    // A monetary credit is never sold: no cost basis, nothing to invoice.
    expect(await grant.getByLabel('Invoice this purchase').count()).toBe(0);
    await grant.getByRole('button', { name: 'Grant', exact: true }).click();
    await grant.getByText('At most 2 decimal places in USD').waitFor();
    await grant.getByLabel('Amount (USD)').fill('25.00');
    await grant.getByRole('button', { name: 'Grant', exact: true }).click();
    await expect.poll(() => grant.isVisible()).toBe(false);
    const usd = page.getByRole('region', { name: 'usd credits' });
    await expect.poll(() => definitions(usd)).toEqual(['$25.00', '$0.00', '$0.00']);
    const grants = page.getByRole('region', { name: 'Grants' });
    await expect
      .poll(() =>
        grants.locator('tbody tr', { hasText: 'Welcome credit' }).locator('td').allTextContents(),
      )
      .toEqual(expect.arrayContaining(['promotional', 'usd', '$25.00']));

    // The credits report before the sale: the welcome credit granted, nothing purchased.
    await nav(page, 'Credits report');
    const report = page.getByRole('table', { name: 'Credits by organization and credit type' });
    const row = (creditType: string) =>
      report
        .locator('tbody tr', { hasText: 'Harbor Bakery' })
        .filter({ has: page.getByRole('cell', { name: creditType, exact: true }) });
    /** A row's cells by their column's heading. */
    const cells = async (creditType: string) => {
      const headers = await report.locator('thead th').allTextContents();
      const values = await row(creditType).locator('th, td').allTextContents();
      return Object.fromEntries(headers.map((header, i) => [header, values[i]]));
    };
    await expect.poll(() => row('usd').count()).toBe(1);
    expect(await cells('usd')).toMatchObject({
      Granted: '$25.00',
      Applied: '$0.00',
      Pending: '$0.00',
      Available: '$25.00',
    });
    const purchasedBefore = (await row('identification').count())
      ? (await cells('identification')).Purchased
      : '0';
    expect(purchasedBefore).toBe('0');
    await page.goBack();

    // 10,000 credits sold at $0.04, invoiced at once: $400.00, less the $25.00 credit.
    await page.getByRole('button', { name: 'Grant credits' }).click();
    await grant.getByLabel('Amount', { exact: true }).fill('10000');
    await grant.getByLabel('Kind').selectOption('purchased');
    await grant.getByLabel('Cost per credit (USD)').fill('0.04');
    await grant.getByLabel('Invoice this purchase').check();
    await grant.getByLabel('Reason').fill('10,000 credit package');
    await grant.getByRole('button', { name: 'Grant and invoice' }).click();
    const issued = page.getByRole('dialog', { name: /^Invoice INV-\d{6} issued$/ });
    await issued.waitFor();
    const number = defined(
      /INV-\d{6}/.exec((await issued.getByRole('heading').textContent()) ?? '')?.[0],
      'the invoice number',
    );
    expect(await issued.locator('tbody tr').allTextContents()).toEqual([
      expect.stringMatching(/10,000\$0\.04\$400\.00$/),
    ]);
    expect(await issued.locator('tfoot tr').allTextContents()).toEqual([
      'Subtotal$400.00',
      'Tax (0%)$0.00',
      'Credits applied-$25.00',
      'Total$375.00',
      'Paid$0.00',
      'Amount due$375.00',
    ]);
    // The credit now sits on the unpaid invoice; the credits are spendable.
    await expect.poll(() => definitions(usd)).toEqual(['$0.00', '$25.00', '$0.00']);
    await expect.poll(() => identification.getByRole('definition').textContent()).toBe('10,000');
    await issued.getByRole('button', { name: 'Close' }).click();

    // The Invoices screen: unpaid and due, then opened and paid in full.
    await nav(page, 'Invoices');
    const listed = page.locator('table.bills tbody tr', { hasText: number });
    await expect
      .poll(() => listed.locator('td').allTextContents())
      .toEqual([
        'Harbor Bakery',
        expect.any(String),
        expect.any(String),
        expect.any(String),
        'issued',
        '$375.00',
        '$375.00',
        'PDF',
      ]);
    expect(
      await page.getByRole('term').filter({ hasText: 'Owed to you' }).locator('+ dd').textContent(),
    ).toBe('$375.001 unpaid invoice');
    await listed.getByRole('link', { name: number, exact: true }).click();
    await page.getByRole('heading', { name: `Invoice ${number}`, level: 1 }).waitFor();
    const summary = page.getByRole('region', { name: 'Summary' });
    expect(await summary.getByRole('term').allTextContents()).toContain('Credits applied');
    await expect
      .poll(() =>
        summary
          .getByRole('term')
          .filter({ hasText: 'Credits applied' })
          .locator('+ dd')
          .textContent(),
      )
      .toBe('$25.00');
    const payment = page.getByRole('form', { name: 'Record a payment' });
    expect(await payment.getByLabel('Amount (USD)').inputValue()).toBe('375.00');
    await payment.getByLabel('Method').selectOption('bank_transfer');
    await payment.getByLabel('Reference (optional)').fill('WIRE-7781');
    await payment.getByRole('button', { name: 'Record payment' }).click();
    await page.getByText('Paid in full: nothing more is due.').waitFor();
    expect(await page.locator('.page-header .badge').allTextContents()).toEqual(['paid']);
    const payments = page.getByRole('table', { name: `Payments of ${number}` });
    expect((await payments.locator('tbody td').allTextContents()).slice(1)).toEqual([
      'bank transfer',
      'WIRE-7781',
      '$375.00',
    ]);
    await nav(page, 'Invoices');
    await expect
      .poll(() => listed.locator('td').allTextContents())
      .toEqual(expect.arrayContaining(['paid', '$375.00', '$0.00']));
    await page.getByLabel('Status').selectOption('issued');
    await page.getByText('No invoices match these filters.').waitFor();

    // Paid: nothing pending any more; the 10,000 credits are there.
    await page.goto(`${new URL(page.url()).origin}/organizations`);
    await page.getByRole('link', { name: 'Harbor Bakery' }).click();
    await page
      .getByRole('navigation', { name: 'Organization' })
      .getByRole('link', { name: 'Credits' })
      .click();
    await expect.poll(() => definitions(usd)).toEqual(['$0.00', '$0.00', '$0.00']);
    await expect.poll(() => identification.getByRole('definition').textContent()).toBe('10,000');

    // The report moved: 10,000 purchased for $400.00, and the credit applied to a paid invoice.
    await nav(page, 'Credits report');
    await expect.poll(() => row('identification').count()).toBe(1);
    expect(await cells('identification')).toMatchObject({
      Purchased: '10,000',
      Available: '10,000',
      Revenue: '$400.00',
    });
    expect(await cells('usd')).toMatchObject({
      Granted: '$25.00',
      Applied: '$25.00',
      Pending: '$0.00',
      Available: '$0.00',
    });
    // Filtered to the customer and the credit type, in the address.
    await page.getByLabel('Customer').selectOption({ label: 'Harbor Bakery' });
    await page.getByLabel('Credit type').selectOption({ label: 'US dollar credit (USD)' });
    await expect.poll(() => report.locator('tbody tr').count()).toBe(1);
    expect(new URL(page.url()).searchParams.get('creditType')).toBe('usd');
    // The same filters in the CSV file: one row, the organization's dollars.
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Download CSV' }).click();
    const lines = readFileSync(await (await download).path(), 'utf8')
      .trim()
      .split(/\r?\n/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('Harbor Bakery');
    expect(lines[1]).toContain('usd');
    expect(errors).toEqual([]);
    await context.close();
  });

  it("sets an organization's own prices and billing profile, bills it now, voids an invoice, downloads its PDF and the CSV, and brands the invoices", async () => {
    const admin = await partnerWithAdmin(harness.server, { billingMode: 'external' });
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await harness.server.request(method, path, { apiKey: admin.apiKey, body });
      expect(response.status, `${method} ${path}: ${JSON.stringify(response.body)}`).toBeLessThan(
        300,
      );
      return response.body;
    };
    await call('PUT', '/partner/pricing', { currency: 'USD', creditUnitPrice: '0.05' });
    const { organization } = await call('POST', '/partner/organizations', {
      name: 'Quay Cycles',
      tier: 'paid',
    });
    const { page, context, errors } = await openApp(
      harness,
      `/organizations/${organization.id}/billing`,
    );
    await signIn(page, admin.email, admin.password);

    // Its prices: the defaults show where a field is left to inherit them.
    const prices = page.getByRole('form', { name: 'Organization prices' });
    const perCredit = prices.getByLabel('Price per purchased credit (USD)');
    expect(await perCredit.getAttribute('placeholder')).toBe('0.05');
    await page.getByText('Invoiced in USD: $0.05 per purchased credit', { exact: false }).waitFor();
    await perCredit.fill('0.045');
    await prices.getByLabel('Payment terms').selectOption('0');
    await prices.getByRole('button', { name: 'Save prices' }).click();
    await page
      .getByText('Invoiced in USD: $0.045 per purchased credit; tax 0%; due on issue.')
      .waitFor();

    // Its billing profile, refused on its field until the country is a code.
    const profile = page.getByRole('form', { name: 'Billing profile' });
    await profile.getByLabel('Legal name').fill('Quay Cycles GmbH');
    await profile.getByLabel('Billing email').fill('rechnung@quay.example');
    await profile.getByLabel('Address', { exact: true }).fill('Hafenstraße 4');
    await profile.getByLabel('City').fill('Hamburg');
    await profile.getByLabel('Country').fill('Germany');
    await profile.getByRole('button', { name: 'Save profile' }).click();
    await expect
      .poll(() => profile.getByLabel('Country').getAttribute('aria-invalid'))
      .toBe('true');
    await profile.getByLabel('Country').fill('de');
    await profile.getByRole('button', { name: 'Save profile' }).click();
    await profile.getByRole('button', { name: 'Saved' }).waitFor();

    // Nothing to bill yet: Bill now says so.
    await page.getByRole('button', { name: 'Bill now' }).click();
    await page.getByText('Nothing to invoice', { exact: false }).waitFor();

    // A sale invoiced at its price, addressed to the profile; then voided from the invoice.
    const { invoice } = await call(
      'POST',
      `/partner/organizations/${organization.id}/credits/grants`,
      {
        amount: 1000,
        kind: 'purchased',
        invoice: true,
        reason: 'Starter pack',
      },
    );
    expect(invoice.total).toBe('45.00');
    await page.reload();
    const invoices = page.getByRole('region', { name: 'Invoices' });
    await invoices.getByRole('link', { name: invoice.number, exact: true }).click();
    await page.getByRole('heading', { name: `Invoice ${invoice.number}` }).waitFor();
    const summary = page.getByRole('region', { name: 'Summary' });
    await summary.getByText('Quay Cycles GmbH').waitFor();
    await summary.getByText('rechnung@quay.example').waitFor();
    expect(await page.locator('.page-header .badge').allTextContents()).toEqual([
      'issued',
      'Overdue',
    ]);
    const pdf = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Download PDF' }).click();
    expect(
      readFileSync(await (await pdf).path())
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
    await page.getByRole('button', { name: 'Void invoice' }).click();
    const voiding = page.getByRole('dialog', { name: `Void ${invoice.number}?` });
    await voiding.getByRole('button', { name: 'Void invoice' }).click();
    await expect.poll(() => voiding.getByLabel('Reason').getAttribute('aria-invalid')).toBe('true');
    await voiding.getByLabel('Reason').fill('Sold at the wrong price');
    await voiding.getByRole('button', { name: 'Void invoice' }).click();
    await summary.getByText('Sold at the wrong price').waitFor();
    expect(await page.locator('.page-header .badge').allTextContents()).toEqual(['void']);
    expect(await page.getByRole('form', { name: 'Record a payment' }).count()).toBe(0);

    // The CSV of the organization's invoices, with the list's filters.
    await nav(page, 'Invoices');
    await page.getByLabel('Organization').selectOption({ label: 'Quay Cycles' });
    await page.getByLabel('Status').selectOption('void');
    await page.locator('table.bills tbody tr').first().waitFor();
    const csv = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Download CSV' }).click();
    const rows = readFileSync(await (await csv).path(), 'utf8')
      .trim()
      .split(/\r?\n/);
    expect(rows).toHaveLength(2);
    expect(rows[1]).toContain(invoice.number);

    // The brand: refused fields say why; the preview follows the form.
    await nav(page, 'Branding');
    await page.getByLabel('Display name').fill('Quay Partners');
    await page.getByLabel('Primary color (optional)').fill('teal');
    await page.getByLabel('Invoice prefix').fill('qp 2026');
    await page.getByRole('button', { name: 'Save branding' }).click();
    const refusal = (text: string) => page.locator('.field-error', { hasText: text }).waitFor();
    await refusal('a hex color, e.g. "#1f6feb"');
    await refusal('up to 12 of A-Z, 0-9');
    await page.getByLabel('Primary color (optional)').fill('#0f766e');
    await page.getByLabel('Invoice prefix').fill('QP-');
    await page.getByLabel('Support email (optional)').fill('billing@quay-partners.example');
    const preview = page.getByRole('figure', { name: 'Preview of an invoice header' });
    await preview.getByText('QP-000042').waitFor();
    await preview.getByText('Questions? billing@quay-partners.example').waitFor();
    expect(
      await page.evaluate("getComputedStyle(document.querySelector('.invoice-sheet-name')).color"),
    ).toBe('rgb(15, 118, 110)');
    await page.getByRole('button', { name: 'Save branding' }).click();
    await page.getByRole('button', { name: 'Saved' }).waitFor();
    expect((await call('GET', '/partner/branding')).branding).toMatchObject({
      displayName: 'Quay Partners',
      primaryColor: '#0f766e',
      invoicePrefix: 'QP-',
    });
    expect(errors).toEqual([]);
    await context.close();
  });
});
