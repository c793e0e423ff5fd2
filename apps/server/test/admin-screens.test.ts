import { defined } from '@allot/domain';
// The remaining screens in Chromium: Visitors and ICP profiles (with real identified visits),
// an organization's Billing tab, Usage, and the Team.
import { createDatasetResolver, type IdentityResolver } from '@allot/api';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
