import { defined } from '@allot/domain';
// The remaining screens in Chromium: Visitors and ICP profiles (with real identified visits),
// an organization's Billing tab, Usage, the partner's Billing (the platform's bills, priced and
// issued by the operator) with the dashboard's amount due, and the Team.
import { createDatasetResolver, type IdentityResolver } from '@allot/api';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from '@allot/browser-testing';
import {
  openApp,
  partnerWithAdmin,
  signIn,
  startAdminHarness,
  type AdminHarness,
} from './admin-browser.ts';

const SITE = 'https://www.client.example';
const ACME_IP = '203.0.113.10';
const GLOBEX_IP = '198.51.100.20';
let dir: string;
let identity: IdentityResolver;
let harness: AdminHarness;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'allot-identities-'));
  const dataset = join(dir, 'identities.jsonl');
  writeFileSync(
    dataset,
    [
      {
        cidr: '203.0.113.0/24',
        company: {
          name: 'Acme',
          domain: 'acme.example',
          industry: 'Software',
          country: 'US',
          employeeCount: 120,
        },
      },
      {
        cidr: '198.51.100.0/24',
        company: {
          name: 'Globex',
          domain: 'globex.example',
          industry: 'Manufacturing',
          country: 'DE',
        },
      },
    ]
      .map((line) => JSON.stringify(line))
      .join('\n'),
  );
  identity = (await createDatasetResolver(dataset)).resolver;
  // Events carry their visitor's address in X-Forwarded-For, trusted from the loopback proxy.
  harness = await startAdminHarness({ identity, trustProxy: ['127.0.0.1'] });
}, 300_000);
afterAll(async () => {
  await harness?.close();
  await identity.close();
  rmSync(dir, { recursive: true, force: true });
});

async function installed(apiKey: string, body: Record<string, unknown>) {
  const { server } = harness;
  const created = await server.request('POST', '/partner/organizations', { apiKey, body });
  const id = created.body.organization.id as string;
  await server.request('PUT', `/partner/organizations/${id}/pixel`, {
    apiKey,
    body: { allowedReferrers: [SITE] },
  });
  const pixel = await server.request('GET', `/partner/organizations/${id}/pixel`, { apiKey });
  const visit = async (visitor: string, ip: string, path = '/pricing') =>
    expect(
      (
        await server.collect(
          { k: pixel.body.apiKey, v: visitor, e: 'pageview', u: `${SITE}${path}` },
          { origin: SITE, 'x-forwarded-for': ip },
        )
      ).status,
    ).toBe(202);
  return { id, visit };
}

describe('Visitors and ICP profiles', () => {
  it('defines a profile in the editor, then lists visitors with their company, ICP badge and pages, filtered', async () => {
    const admin = await partnerWithAdmin(harness.server, { poolCredits: 100 });
    const org = await installed(admin.apiKey, { name: 'Client', tier: 'paid', initialCredits: 10 });
    const { page, context, errors } = await openApp(harness, `/organizations/${org.id}/icp`);
    await signIn(page, admin.email, admin.password);
    await page.getByText('No profiles', { exact: false }).waitFor();

    await page.getByRole('button', { name: 'New profile' }).click();
    const editor = page.getByRole('dialog', { name: 'New ICP profile' });
    await editor.getByLabel('Name').fill('US software');
    await editor.getByLabel('Industries').fill('Software, SaaS');
    await editor.getByLabel('Countries').fill('US');
    await editor.getByLabel('Employees from').fill('500');
    await editor.getByLabel('Employees to').fill('50');
    await editor.getByRole('button', { name: 'Create profile' }).click();
    await expect.poll(() => editor.getByText('min must not exceed max').isVisible()).toBe(true);
    await editor.getByLabel('Employees from').fill('50');
    await editor.getByLabel('Employees to').fill('500');
    await editor.getByRole('button', { name: 'Create profile' }).click();
    const card = page.getByRole('region', { name: 'US software' });
    await card.getByText('Industry: Software, SaaS').waitFor();
    await expect.poll(() => card.getByText('Employees: 50–500').isVisible()).toBe(true);

    await org.visit('visitor-acme-0001', ACME_IP, '/pricing');
    await org.visit('visitor-acme-0001', ACME_IP, '/docs');
    await org.visit('visitor-acme-0001', ACME_IP, '/pricing');
    await org.visit('visitor-globex-01', GLOBEX_IP);
    await org.visit('visitor-nobody-01', '10.1.2.3');

    await page.getByRole('link', { name: 'Visitors' }).click();
    await page.getByText('3 visitors').waitFor();
    const acme = page.locator('tbody tr', { hasText: 'Acme' });
    await expect.poll(() => acme.getByText('US software').isVisible()).toBe(true);
    await expect.poll(() => acme.getByText('acme.example · Software · US').isVisible()).toBe(true);
    expect(await acme.locator('td').nth(2).textContent()).toBe('3');
    await expect.poll(() => acme.getByText('/pricing').isVisible()).toBe(true);
    expect(await page.locator('tbody').getByText('Not identified').count()).toBe(1);

    await page.getByLabel('ICP match').selectOption('true');
    await page.getByText('1 visitor', { exact: true }).waitFor();
    expect(new URL(page.url()).searchParams.get('icpMatched')).toBe('true');
    await page.getByLabel('ICP match').selectOption('');
    await page.getByLabel('Identified').selectOption('false');
    await page.getByText('1 visitor', { exact: true }).waitFor();
    expect(await page.locator('tbody').getByText('Not identified').count()).toBe(1);

    // Deleting the profile (confirmed) takes the badge away.
    await page.getByRole('link', { name: 'ICP profiles' }).click();
    await card.getByRole('button', { name: 'Delete' }).click();
    await page
      .getByRole('dialog', { name: 'Delete US software?' })
      .getByRole('button', { name: 'Delete' })
      .click();
    await page.getByText('No profiles', { exact: false }).waitFor();
    expect(errors).toEqual([]);
    await context.close();
  });
});

describe("an organization's Billing tab", () => {
  it('refuses a trial allowance past the cap on its field, and changes tier and cycle', async () => {
    const admin = await partnerWithAdmin(harness.server, { poolCredits: 1000 });
    const org = await installed(admin.apiKey, {
      name: 'Trialist',
      tier: 'trial',
      initialCredits: 100,
    });
    const { page, context, errors } = await openApp(harness, `/organizations/${org.id}/billing`);
    await signIn(page, admin.email, admin.password);
    await page.getByLabel('Allowance per period').fill('800');
    await page.getByRole('button', { name: 'Save billing' }).click();
    await expect.poll(() => page.locator('.field-error').textContent()).toMatch(/500/);

    await page.getByRole('combobox', { name: 'Tier' }).selectOption('paid');
    await page.getByRole('button', { name: 'Change tier' }).click();
    await page.getByText('paid', { exact: true }).first().waitFor();
    await page.getByLabel('Period', { exact: true }).selectOption('quarterly');
    await page.getByLabel('Billing day (1–28)').fill('15');
    await page.getByLabel('Allowance per period').fill('800');
    await page.getByRole('button', { name: 'Save billing' }).click();
    await expect
      .poll(
        async () =>
          (
            await harness.server.request('GET', `/partner/organizations/${org.id}`, {
              apiKey: admin.apiKey,
            })
          ).body.organization,
      )
      .toMatchObject({
        tier: 'paid',
        billingPeriod: 'quarterly',
        billingDayOfMonth: 15,
        creditAllowance: 800,
      });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('sets the spending guards, refusing a cap of 0 on its field, and turns the anomaly guard off', async () => {
    const admin = await partnerWithAdmin(harness.server, { poolCredits: 1000 });
    const org = await installed(admin.apiKey, {
      name: 'Guarded',
      tier: 'paid',
      initialCredits: 10,
    });
    const { page, context, errors } = await openApp(harness, `/organizations/${org.id}/billing`);
    await signIn(page, admin.email, admin.password);
    await expect
      .poll(() => page.getByLabel('New identifications per network and hour').inputValue())
      .toBe('50');
    await page.getByLabel('Identifications per period').fill('0');
    await page.getByRole('button', { name: 'Save guards' }).click();
    await expect.poll(() => page.locator('.field-error').textContent()).toMatch(/>=\s?1/);

    await page.getByLabel('Identifications per period').fill('1000');
    await page.getByLabel('Identifications per day').fill('100');
    await page.getByLabel('New identifications per network and hour').fill('');
    await page.getByRole('button', { name: 'Save guards' }).click();
    await expect
      .poll(
        async () =>
          (
            await harness.server.request('GET', `/partner/organizations/${org.id}`, {
              apiKey: admin.apiKey,
            })
          ).body.organization,
      )
      .toMatchObject({
        identificationCap: { perPeriod: 1000, perDay: 100 },
        anomalyThreshold: null,
      });
    expect(errors).toEqual([]);
    await context.close();
  });
});

describe('Usage', () => {
  it('charts a date range, breaks it down per organization and exports it as CSV', async () => {
    const admin = await partnerWithAdmin(harness.server, { poolCredits: 100 });
    const first = await installed(admin.apiKey, {
      name: 'First',
      tier: 'paid',
      initialCredits: 10,
    });
    const second = await installed(admin.apiKey, {
      name: 'Second',
      tier: 'paid',
      initialCredits: 10,
    });
    await first.visit('visitor-usage-001', ACME_IP);
    await first.visit('visitor-usage-002', GLOBEX_IP);
    await second.visit('visitor-usage-003', ACME_IP);

    const { page, context, errors } = await openApp(harness, '/usage');
    await signIn(page, admin.email, admin.password);
    const identifications = page
      .getByRole('term')
      .filter({ hasText: 'Identifications' })
      .locator('+ dd');
    await expect.poll(() => identifications.textContent()).toBe('3');
    const rows = page.locator('section', { hasText: 'Per organization' }).locator('tbody tr');
    expect(await rows.allTextContents()).toEqual(['First22', 'Second11']);

    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export CSV' }).click();
    const csv = readFileSync(await (await download).path(), 'utf8');
    expect(csv.trim().split('\r\n')).toEqual([
      'organization_id,organization,identifications,credits_consumed',
      `${first.id},First,2,2`,
      `${second.id},Second,1,1`,
    ]);

    // A range before anything happened: zeros, and the address holds it.
    await page.getByLabel('From').fill('2020-01-01');
    await page.getByLabel('To').fill('2020-01-31');
    await expect.poll(() => identifications.textContent()).toBe('0');
    expect(new URL(page.url()).searchParams.get('from')).toBe('2020-01-01');
    await page.getByText('No usage in this range.').waitFor();
    expect(errors).toEqual([]);
    await context.close();
  });
});

describe('Billing', () => {
  const operator = async (method: string, path: string, body?: unknown) => {
    const response = await harness.server.request(method, path, { operator: true, body });
    expect(response.status, `${method} ${path}: ${JSON.stringify(response.body)}`).toBeLessThan(
      300,
    );
    return response.body;
  };
  const pricing = (partnerId: string, paymentTermsDays: number, taxRate = '0.2') =>
    operator('PUT', `/operator/partners/${partnerId}/pricing`, {
      currency: 'USD',
      poolUnitPrice: '0.10',
      taxRate,
      paymentTermsDays,
    });
  const issue = async (partnerId: string) =>
    (await operator('POST', `/operator/partners/${partnerId}/invoices`)).invoice;
  const grant = (partnerId: string, body: Record<string, unknown>) =>
    operator('POST', `/operator/partners/${partnerId}/credits/grants`, {
      creditType: 'usd',
      ...body,
    });
  const bills = (page: Page) => page.locator('table.bills > tbody > tr:not(.bill-detail)');
  const bill = (page: Page, number: string) =>
    page.locator('table.bills > tbody > tr', {
      has: page.getByRole('button', { name: number, exact: true }),
    });
  const totals = (scope: ReturnType<Page['locator']>) =>
    scope.locator('tfoot tr').allTextContents();
  const termValue = (page: Page, term: string) =>
    page.getByRole('term').filter({ hasText: term }).locator('+ dd').textContent();
  const dateTime = new Intl.DateTimeFormat('en-GB', {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: 'UTC',
  });

  beforeAll(async () => {
    await operator('POST', '/operator/credit-types', {
      key: 'usd',
      name: 'US dollar credit',
      unit: 'cent',
      currency: 'USD',
    });
  });

  it('shows the upcoming invoice, the credits, the bills with the overdue one, a bill in full and its PDF; the dashboard shows what is due and warns of the overdue bill', async () => {
    const admin = await partnerWithAdmin(harness.server, { poolCredits: 1000 });
    const partnerId = admin.partner.id;
    const { page, context, errors } = await openApp(harness, '/billing');
    await signIn(page, admin.email, admin.password);
    // Not priced, nothing granted, never billed: every part says so.
    await page
      .getByText('The platform has not priced your account yet', { exact: false })
      .waitFor();
    await page.getByText('No credits from the platform.').waitFor();
    await page.getByText('No bills from the platform yet.').waitFor();
    await expect.poll(() => termValue(page, 'Amount due')).toBe('Nothing dueNo unpaid bills');

    // Priced at $0.10 a pool credit with 20 % tax, due on issue: the pool's $100.00 + $20.00 tax,
    // less a $20.00 credit, is overdue a moment after it is issued.
    await pricing(partnerId, 0);
    await grant(partnerId, { amount: 2000, reason: 'Launch credit' });
    const overdue = await issue(partnerId);
    expect(overdue).toMatchObject({
      subtotal: '100.00',
      tax: '20.00',
      creditsApplied: '20.00',
      total: '100.00',
      amountDue: '100.00',
    });
    await expect
      .poll(
        async () =>
          (
            await harness.server.request('GET', `/partner/billing/invoices/${overdue.id}`, {
              apiKey: admin.apiKey,
            })
          ).body.invoice.overdue,
      )
      .toBe(true);
    // Then 30 days to pay; the pool grows by 500 ($50.00 + $10.00 tax), $10.00 of it paid.
    await pricing(partnerId, 30);
    await operator('PUT', `/operator/partners/${partnerId}/billing`, { poolCredits: 1500 });
    const current = await issue(partnerId);
    expect(current).toMatchObject({ total: '60.00', overdue: false });
    await operator('POST', `/operator/invoices/${current.id}/payments`, {
      amount: '10.00',
      method: 'bank_transfer',
      reference: 'TR-1001',
    });
    // $50.00 of credit for the next invoice, expiring within 30 days.
    await grant(partnerId, {
      amount: 5000,
      reason: 'Service credit',
      expiresAt: new Date(Date.now() + 10 * 86_400_000).toISOString(),
    });
    const draft = (
      await harness.server.request('GET', '/partner/billing/invoices/upcoming', {
        apiKey: admin.apiKey,
      })
    ).body.invoice;
    expect(draft).toMatchObject({ subtotal: '150.00', creditsApplied: '50.00', total: '130.00' });
    expect(draft.lines).toHaveLength(1);

    await page.reload();
    // The upcoming invoice: the next period's pool, the credits it would apply, when it issues.
    const upcoming = page.getByRole('region', { name: 'Upcoming invoice' });
    await upcoming.locator('tbody tr').first().waitFor();
    expect(await upcoming.locator('tbody tr').allTextContents()).toEqual([
      `${draft.lines[0].description}1,500$0.10$150.00`,
    ]);
    expect(await totals(upcoming)).toEqual([
      'Subtotal$150.00',
      'Tax (20%)$30.00',
      'Credits applied-$50.00',
      'Total$130.00',
      'Amount due$130.00',
    ]);
    expect(await upcoming.textContent()).toContain(
      `Issues ${dateTime.format(new Date(draft.issuesAt))} UTC`,
    );
    expect(await upcoming.textContent()).toContain('would take $50.00 off it');

    // The credits: $50.00 available (all of it expiring soon), $20.00 pending on the unpaid bill.
    const credits = page.getByRole('region', { name: 'usd credits (USD)' });
    expect(await credits.getByRole('definition').allTextContents()).toEqual([
      '$50.00 (5,000 credits)',
      '$20.00 on unpaid bills',
      '$50.00',
    ]);

    // The bills, newest first: totals, amounts due, and the overdue badge on the first bill only.
    await expect.poll(() => bills(page).count()).toBe(2);
    expect(await page.locator('table.bills caption').textContent()).toBe('2 bills');
    expect(await bills(page).locator('th').allTextContents()).toEqual([
      `▸ ${current.number}`,
      `▸ ${overdue.number}`,
    ]);
    const cells = (number: string) => bill(page, number).locator('td').allTextContents();
    expect((await cells(overdue.number)).slice(3)).toEqual([
      'issuedOverdue',
      '$100.00',
      '$100.00',
      'PDF',
    ]);
    expect((await cells(current.number)).slice(3)).toEqual(['issued', '$60.00', '$50.00', 'PDF']);

    // A bill opens in place: its lines, totals and payments; the address names it.
    await page.getByRole('button', { name: overdue.number, exact: true }).click();
    const detail = page.locator('tr.bill-detail');
    await detail.getByRole('heading', { name: `Bill ${overdue.number}` }).waitFor();
    expect(new URL(page.url()).searchParams.get('invoice')).toBe(overdue.id);
    expect(
      await page.getByRole('button', { name: overdue.number }).getAttribute('aria-expanded'),
    ).toBe('true');
    expect(await detail.locator('tbody tr').first().textContent()).toBe(
      `${overdue.lines[0].description}1,000$0.10$100.00`,
    );
    expect(await totals(detail)).toEqual([
      'Subtotal$100.00',
      'Tax (20%)$20.00',
      'Credits applied-$20.00',
      'Total$100.00',
      'Paid$0.00',
      'Amount due$100.00',
    ]);
    await detail.getByText('No payment received yet.').waitFor();
    await page.getByRole('button', { name: current.number, exact: true }).click();
    await detail.getByRole('heading', { name: `Bill ${current.number}` }).waitFor();
    expect(await detail.count()).toBe(1);
    expect((await totals(detail)).slice(3)).toEqual([
      'Total$60.00',
      'Paid-$10.00',
      'Amount due$50.00',
    ]);
    const payments = detail.getByRole('table', { name: `Payments of ${current.number}` });
    expect((await payments.locator('tbody td').allTextContents()).slice(1)).toEqual([
      'bank transfer',
      'TR-1001',
      '$10.00',
    ]);

    // The PDF is a plain link to the REST API, which takes the session cookie on reads.
    const download = page.waitForEvent('download');
    await bill(page, current.number)
      .getByRole('link', { name: `${current.number} PDF` })
      .click();
    const pdf = readFileSync(await (await download).path());
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');

    // Filtered by status, in the address.
    await page.getByLabel('Status', { exact: true }).selectOption('paid');
    await page.getByText('No paid bills.').waitFor();
    expect(new URL(page.url()).searchParams.get('status')).toBe('paid');

    // The dashboard: what is due across the unpaid bills, and a warning that links to them.
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Dashboard' })
      .click();
    await expect
      .poll(() => termValue(page, 'Amount due'))
      .toBe('$150.002 unpaid bills · View bills');
    expect(await termValue(page, 'Overdue')).toBe('$100.001 bill past due');
    const warning = page.locator('.notice-bad');
    expect(await warning.textContent()).toBe(
      `1 bill is overdue: $100.00 past its due date (${new Intl.DateTimeFormat('en-GB', {
        dateStyle: 'medium',
        timeZone: 'UTC',
      }).format(new Date(overdue.dueAt))}). Review them in Billing`,
    );
    await warning.getByRole('link', { name: 'Review them in Billing' }).click();
    await page.getByRole('heading', { name: 'Billing', level: 1 }).waitFor();
    expect(new URL(page.url()).searchParams.get('status')).toBe('issued');
    await expect.poll(() => bills(page).count()).toBe(2);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('pages the bills on the server, opens a bill from another page by its address, and sums what is due exactly', async () => {
    const admin = await partnerWithAdmin(harness.server, { poolCredits: 1000 });
    const partnerId = admin.partner.id;
    await pricing(partnerId, 30, '0');
    // 21 bills: the pool's $100.00, then 20 raises of one credit at $0.10 each.
    const first = await issue(partnerId);
    for (let credits = 1001; credits <= 1020; credits += 1) {
      await operator('PUT', `/operator/partners/${partnerId}/billing`, { poolCredits: credits });
      expect((await issue(partnerId)).total).toBe('0.10');
    }
    const { page, context, errors } = await openApp(harness, '/');
    await signIn(page, admin.email, admin.password);
    // 100.00 + 20 × 0.10, exactly: no float sum would land on it.
    await expect
      .poll(() => termValue(page, 'Amount due'))
      .toBe('$102.0021 unpaid bills · View bills');
    expect(await page.locator('.notice-bad').count()).toBe(0);

    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Billing' })
      .click();
    await expect.poll(() => bills(page).count()).toBe(20);
    const pages = page.getByRole('navigation', { name: 'Bill pages' });
    expect(await pages.textContent()).toContain('Page 1 of 2 · 21 in all');
    const second = page.waitForRequest(
      (request) =>
        request.url().includes('billing.invoices.list') &&
        decodeURIComponent(request.url()).includes('"page":2'),
    );
    await pages.getByRole('button', { name: 'Next' }).click();
    await second;
    await expect.poll(() => bills(page).count()).toBe(1);
    expect(await bills(page).locator('th').textContent()).toBe(`▸ ${first.number}`);
    expect(new URL(page.url()).searchParams.get('page')).toBe('2');

    // A link to a bill that is not on the page shows it on its own.
    await page.goto(`/billing?invoice=${first.id}`);
    await page.getByRole('heading', { name: `Bill ${first.number}` }).waitFor();
    await expect.poll(() => bills(page).count()).toBe(20);
    await page.getByRole('button', { name: 'Close' }).click();
    await expect
      .poll(() => page.getByRole('heading', { name: `Bill ${first.number}` }).count())
      .toBe(0);
    expect(new URL(page.url()).searchParams.get('invoice')).toBeNull();
    expect(errors).toEqual([]);
    await context.close();
  });
});

describe('Team', () => {
  it('adds a member with a password shown once; a member cannot manage; a disabled member is signed out', async () => {
    const admin = await partnerWithAdmin(harness.server);
    const { page, context, errors } = await openApp(harness, '/team');
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], {
      origin: harness.server.url,
    });
    await signIn(page, admin.email, admin.password);
    await page.getByRole('button', { name: 'Add teammate' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add a teammate' });
    await dialog.getByLabel('Email').fill(admin.email.toUpperCase());
    await dialog.getByRole('button', { name: 'Add teammate' }).click();
    await expect.poll(() => dialog.locator('.field-error').textContent()).toMatch(/already exists/);
    const mateEmail = `mate-${Date.now()}@agency.example`;
    await dialog.getByLabel('Email').fill(mateEmail);
    await dialog.getByRole('button', { name: 'Add teammate' }).click();
    const added = page.getByRole('dialog', { name: 'Teammate added' });
    const password = defined(await added.locator('code').textContent(), 'the new password');
    await added.getByRole('button', { name: 'Close' }).click();
    await page.locator('tbody tr', { hasText: mateEmail }).waitFor();

    const mate = await openApp(harness, '/team');
    await signIn(mate.page, mateEmail, password);
    const nav = mate.page.getByRole('navigation', { name: 'Main' });
    // The team as a member sees it: no management.
    await mate.page.locator('tbody tr', { hasText: mateEmail }).waitFor();
    expect(await nav.getByRole('link', { name: 'API keys' }).count()).toBe(0);
    expect(await mate.page.getByRole('button', { name: 'Add teammate' }).count()).toBe(0);
    expect(await mate.page.getByRole('button', { name: /^Disable/ }).count()).toBe(0);

    await page.getByRole('button', { name: `Disable ${mateEmail}` }).click();
    await page
      .getByRole('dialog', { name: `Disable ${mateEmail}?` })
      .getByRole('button', { name: 'Disable' })
      .click();
    await page.locator('tbody tr', { hasText: mateEmail }).getByText('disabled').waitFor();
    // Their next request finds the session gone.
    await mate.page.goto('/usage');
    await mate.page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(errors).toEqual([]);
    expect(mate.errors).toEqual([]);
    await mate.context.close();
    await context.close();
  });
});
