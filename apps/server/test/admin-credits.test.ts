// The Credits tab in Chromium: allocation and grants against the pool and the trial cap, voids,
// expiry changes, the ledger and its CSV download over the session cookie.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  openApp,
  partnerWithAdmin,
  signIn,
  startAdminHarness,
  type AdminHarness,
} from './admin-browser.ts';

let harness: AdminHarness;
beforeAll(async () => {
  harness = await startAdminHarness();
}, 300_000);
afterAll(() => harness?.close());

describe('the Credits tab', () => {
  it('allocates within the pool, refuses beyond it on the field, grants, voids, moves an expiry and shows it all in the ledger', async () => {
    const admin = await partnerWithAdmin(harness.server, { poolCredits: 1000 });
    const created = await harness.server.request('POST', '/partner/organizations', {
      apiKey: admin.apiKey,
      body: { name: 'Ledgered', tier: 'paid', initialCredits: 100 },
    });
    const id = created.body.organization.id;
    const { page, context, errors } = await openApp(harness, `/organizations/${id}/credits`);
    await signIn(page, admin.email, admin.password);
    const balance = page.getByRole('region', { name: 'identification credits' });
    await expect.poll(() => balance.getByRole('definition').textContent()).toBe('100');

    // Allocate: the pool left is shown before sending; beyond it, the 422 sits on the field.
    await page.getByRole('button', { name: 'Set allocation' }).click();
    const allocate = page.getByRole('dialog', { name: 'Set allocation' });
    await expect
      .poll(() => allocate.getByText('Pool left this period: 900 credits').isVisible())
      .toBe(true);
    await allocate.getByLabel('Credits this period').fill('5000');
    await allocate.getByRole('button', { name: 'Set allocation' }).click();
    await expect.poll(() => allocate.locator('.field-error').textContent()).toMatch(/pool/i);
    await allocate.getByLabel('Credits this period').fill('300');
    await allocate.getByRole('button', { name: 'Set allocation' }).click();
    await expect.poll(() => balance.getByRole('definition').textContent()).toBe('300');

    // Grant 50 purchased credits expiring next year.
    await page.getByRole('button', { name: 'Grant credits' }).click();
    const grant = page.getByRole('dialog', { name: 'Grant credits' });
    await expect
      .poll(() => grant.getByText('Pool left this period: 700 credits').isVisible())
      .toBe(true);
    await grant.getByLabel('Amount').fill('50');
    await grant.getByLabel('Kind').selectOption('purchased');
    await grant
      .getByLabel('Expires (UTC, optional)')
      .fill(`${new Date().getUTCFullYear() + 1}-06-30T12:00`);
    await grant.getByRole('button', { name: 'Grant' }).click();
    await expect
      .poll(() => grant.getByText('Too small: expected string to have >=1 characters').isVisible())
      .toBe(true);
    await grant.getByLabel('Reason').fill('Q1 package');
    await grant.getByRole('button', { name: 'Grant' }).click();
    await expect.poll(() => balance.getByRole('definition').textContent()).toBe('350');

    // Move its expiry, then void it.
    await page.getByRole('button', { name: 'Change expiry of the purchased grant of 50' }).click();
    const expiry = page.getByRole('dialog', { name: 'Change expiry' });
    await expiry.getByLabel('Expires (UTC)').fill('');
    await expiry.getByLabel('Reason').fill('No expiry after all');
    await expiry.getByRole('button', { name: 'Change expiry' }).click();
    await expect.poll(() => expiry.isVisible()).toBe(false);
    await page.getByRole('button', { name: 'Void the purchased grant of 50' }).click();
    const voiding = page.getByRole('dialog', { name: 'Void this grant?' });
    await voiding.getByLabel('Reason').fill('Sold by mistake');
    await voiding.getByRole('button', { name: 'Void grant' }).click();
    await expect.poll(() => balance.getByRole('definition').textContent()).toBe('300');
    await page.getByLabel('Status', { exact: true }).selectOption('voided');
    const grants = page.getByRole('region', { name: 'Grants' });
    await expect.poll(() => grants.locator('tbody tr').count()).toBe(1);
    await expect
      .poll(() => grants.getByRole('cell', { name: 'Q1 package' }).isVisible())
      .toBe(true);
    expect(new URL(page.url()).searchParams.get('grantStatus')).toBe('voided');

    // The ledger tells the story; the filter narrows it.
    const ledger = page.getByRole('region', { name: 'Ledger' });
    await expect
      .poll(() => ledger.getByRole('cell', { name: 'Sold by mistake' }).isVisible())
      .toBe(true);
    await expect
      .poll(() => ledger.getByRole('cell', { name: 'Q1 package' }).isVisible())
      .toBe(true);
    await ledger.getByLabel('Entry type').selectOption('void');
    await expect.poll(() => ledger.locator('tbody tr').count()).toBe(1);
    expect(await ledger.locator('tbody tr td').nth(4).textContent()).toBe('-50');

    // The CSV download goes through REST with the session cookie, with the same filter.
    const download = page.waitForEvent('download');
    await ledger.getByRole('link', { name: 'Download CSV' }).click();
    const file = await (await download).path();
    const csv = readFileSync(file, 'utf8').trim().split('\n');
    expect(csv).toHaveLength(2);
    expect(csv[1]).toContain('Sold by mistake');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('shows the trial cap before a grant and the 422 on the amount past it', async () => {
    const admin = await partnerWithAdmin(harness.server, { poolCredits: 5000 });
    const created = await harness.server.request('POST', '/partner/organizations', {
      apiKey: admin.apiKey,
      body: { name: 'On trial', tier: 'trial', initialCredits: 450 },
    });
    const { page, context } = await openApp(
      harness,
      `/organizations/${created.body.organization.id}/credits`,
    );
    await signIn(page, admin.email, admin.password);
    await page.getByRole('button', { name: 'Grant credits' }).click();
    const grant = page.getByRole('dialog', { name: 'Grant credits' });
    await expect
      .poll(() => grant.getByText('Trial cap: at most 500 credits (holds 450 now)').isVisible())
      .toBe(true);
    await grant.getByLabel('Amount').fill('60');
    await grant.getByLabel('Reason').fill('Too much');
    await grant.getByRole('button', { name: 'Grant' }).click();
    await expect.poll(() => grant.locator('.field-error').textContent()).toMatch(/500/);
    await context.close();
  });

  it('pages the grants on the server: a page of 10 at a time, the next one fetched on Next', async () => {
    const admin = await partnerWithAdmin(harness.server, { billingMode: 'external' });
    const created = await harness.server.request('POST', '/partner/organizations', {
      apiKey: admin.apiKey,
      body: { name: 'Many grants', tier: 'paid', initialCredits: 0 },
    });
    const id = created.body.organization.id;
    for (let i = 1; i <= 12; i += 1) {
      const grant = await harness.server.request(
        'POST',
        `/partner/organizations/${id}/credits/grants`,
        { apiKey: admin.apiKey, body: { amount: i, reason: `Grant ${i}` } },
      );
      expect(grant.status).toBe(201);
    }
    const { page, context, errors } = await openApp(harness, `/organizations/${id}/credits`);
    await signIn(page, admin.email, admin.password);
    const grants = page.getByRole('region', { name: 'Grants' });
    await expect.poll(() => grants.locator('tbody tr').count()).toBe(10);
    await expect.poll(() => grants.getByRole('cell', { name: 'Grant 12' }).isVisible()).toBe(true);
    const pages = page.getByRole('navigation', { name: 'Grant pages' });
    expect(await pages.textContent()).toContain('Page 1 of 2');

    const second = page.waitForRequest(
      (request) =>
        request.url().includes('credits.grants.list') &&
        decodeURIComponent(request.url()).includes('"page":2'),
    );
    await pages.getByRole('button', { name: 'Next' }).click();
    await second;
    await expect.poll(() => grants.locator('tbody tr').count()).toBe(2);
    await expect.poll(() => grants.getByRole('cell', { name: 'Grant 1' }).isVisible()).toBe(true);
    expect(new URL(page.url()).searchParams.get('grantsPage')).toBe('2');
    expect(errors).toEqual([]);
    await context.close();
  });
});
