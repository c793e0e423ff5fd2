// The Organizations screens in Chromium: the list at 10,000 organizations, creating one, and its
// Overview tab.
import { sql } from 'kysely';
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

describe('Organizations', () => {
  it('creates an organization from the dialog, with the pool and trial cap shown first and refusals on their field', async () => {
    const admin = await partnerWithAdmin(harness.server, { poolCredits: 1000 });
    const { page, context, errors } = await openApp(harness, '/organizations');
    await signIn(page, admin.email, admin.password);
    await page.getByText('No organizations yet.').waitFor();

    await page.getByRole('button', { name: 'New organization' }).click();
    const dialog = page.getByRole('dialog', { name: 'New organization' });
    await expect
      .poll(() => dialog.getByText('Pool left this period: 1,000 credits').isVisible())
      .toBe(true);
    await expect
      .poll(() => dialog.getByText('Trial cap: at most 500 credits').isVisible())
      .toBe(true);

    // The shared contract refuses before anything is sent...
    await dialog.getByRole('button', { name: 'Create' }).click();
    await expect
      .poll(() => dialog.getByText('Too small: expected string to have >=1 characters').isVisible())
      .toBe(true);
    // ...and the server's business rule lands next to its field.
    await dialog.getByLabel('Name').fill('Acme Corp');
    await dialog.getByLabel('External id (optional)').fill('acme-1');
    await dialog.getByLabel('Initial credits').fill('600');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await expect
      .poll(() => dialog.locator('.field-error').textContent())
      .toMatch(/at most 500 credits/);
    expect(await dialog.getByLabel('Initial credits').getAttribute('aria-invalid')).toBe('true');

    await dialog.getByLabel('Initial credits').fill('200');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL(/\/organizations\/[0-9a-f-]{36}$/);
    await page.getByRole('heading', { name: 'Acme Corp' }).waitFor();
    // The Overview tab is a chunk of its own: it may still be loading after the heading shows.
    await expect
      .poll(() => page.getByText('200 allocated · 0 used · 200 remaining').isVisible())
      .toBe(true);

    // The same externalId again: a 409 shown on the field.
    await page.getByRole('link', { name: 'Organizations' }).first().click();
    await page.getByRole('button', { name: 'New organization' }).click();
    await dialog.getByLabel('Name').fill('Acme Again');
    await dialog.getByLabel('External id (optional)').fill('acme-1');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await expect
      .poll(() => dialog.locator('.field-error').textContent())
      .toMatch(/already has this externalId/);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(errors).toEqual([]);
    await context.close();
  });

  it('searches, filters, sorts and pages 10,000 organizations on the server, with the view in the address', async () => {
    const admin = await partnerWithAdmin(harness.server);
    await sql`
      INSERT INTO organizations (id, partner_id, name, external_id, status, tier, product_type,
        billing_period, billing_day_of_month, billing_anchor, credit_allowance, metadata, pixel_key,
        period_start, period_end,
    charge_period_start)
      SELECT gen_random_uuid(), ${admin.partner.id}, 'Client ' || lpad(i::text, 5, '0'), 'ext-' || i,
        CASE WHEN i % 10 = 0 THEN 'suspended' ELSE 'active' END,
        CASE WHEN i % 2 = 0 THEN 'paid' ELSE 'trial' END, 'B2B', 'monthly', 1, now(), 0, '{}',
        'px_seed_' || ${admin.partner.id} || i, now() - interval '1 day', now() + interval '20 days', now() - interval '1 day'
      FROM generate_series(1, 10000) AS i`.execute(harness.server.db);
    await sql`ANALYZE organizations`.execute(harness.server.db);

    const { page, context, errors } = await openApp(harness, '/organizations?sort=name');
    await signIn(page, admin.email, admin.password);
    await page.getByText('10,000 organizations').waitFor();
    expect(await page.locator('tbody tr').count()).toBe(20);
    expect(await page.locator('tbody tr td:first-child').first().textContent()).toBe(
      'Client 00001',
    );

    // Each change is one server round trip, answered well within a second.
    const timed = async (action: () => Promise<unknown>, until: () => Promise<unknown>) => {
      const started = Date.now();
      await action();
      await until();
      return Date.now() - started;
    };
    const last = await timed(
      () => page.getByRole('button', { name: 'Name ↑' }).click(),
      () => page.getByRole('cell', { name: 'Client 10000' }).waitFor(),
    );
    expect(last).toBeLessThan(1000);
    expect(new URL(page.url()).searchParams.get('sort')).toBe('-name');

    const searched = await timed(
      () => page.getByLabel('Search by name').fill('0099'),
      () => page.getByText('11 organizations').waitFor(),
    );
    expect(searched).toBeLessThan(1500);
    await page.getByLabel('Status').selectOption('suspended');
    await page.getByText('1 organization', { exact: true }).waitFor();
    expect(await page.locator('tbody tr td:first-child').textContent()).toBe('Client 00990');
    await page.getByLabel('Status').selectOption('');
    await page.getByLabel('Search by name').fill('');
    await page.getByLabel('Tier').selectOption('paid');
    await page.getByText('5,000 organizations').waitFor();
    await page.getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => page.getByText('Page 2 of 250').isVisible()).toBe(true);

    // The address holds the view: a shared link opens the same page.
    const shared = new URL(page.url());
    expect(Object.fromEntries(shared.searchParams)).toEqual({
      sort: '-name',
      tier: 'paid',
      page: '2',
    });
    const again = await context.newPage();
    await again.goto(shared.toString());
    await again.getByText('Page 2 of 250').waitFor();
    expect(await again.locator('tbody tr td:first-child').first().textContent()).toBe(
      await page.locator('tbody tr td:first-child').first().textContent(),
    );
    expect(errors).toEqual([]);
    await context.close();
  });

  it('shows the Overview with details to edit, disables with confirmation, and deletes', async () => {
    const admin = await partnerWithAdmin(harness.server);
    const created = await harness.server.request('POST', '/partner/organizations', {
      apiKey: admin.apiKey,
      body: { name: 'Overview Co', externalId: 'ov-1', metadata: { plan: 'gold' } },
    });
    const id = created.body.organization.id;
    const { page, context, errors } = await openApp(harness, `/organizations/${id}`);
    await signIn(page, admin.email, admin.password);
    await page.getByRole('heading', { name: 'Overview Co' }).waitFor();
    // The tab loads after the heading.
    await page.getByText('plan: gold').waitFor();

    await page.getByLabel('Name', { exact: true }).fill('Overview Corp');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: 'Overview Corp' }).waitFor();

    await page.getByRole('button', { name: 'Disable' }).click();
    const confirm = page.getByRole('dialog', { name: 'Disable Overview Corp?' });
    await confirm.getByRole('button', { name: 'Disable' }).click();
    await page.getByRole('button', { name: 'Enable' }).waitFor();
    const read = await harness.server.request('GET', `/partner/organizations/${id}`, {
      apiKey: admin.apiKey,
    });
    expect(read.body.organization.status).toBe('suspended');

    await page.getByRole('button', { name: 'Delete' }).click();
    await page
      .getByRole('dialog', { name: 'Delete Overview Corp?' })
      .getByRole('button', { name: 'Delete' })
      .click();
    await page.waitForURL(/\/organizations$/);
    const deleted = await harness.server.request('GET', `/partner/organizations/${id}`, {
      apiKey: admin.apiKey,
    });
    expect(deleted.body.organization.status).toBe('canceled');

    // Another partner's organization is simply not found.
    const other = await partnerWithAdmin(harness.server);
    const foreign = await harness.server.request('POST', '/partner/organizations', {
      apiKey: other.apiKey,
      body: { name: 'Not yours' },
    });
    await page.goto(`/organizations/${foreign.body.organization.id}`);
    await page.getByRole('heading', { name: 'Organization not found' }).waitFor();
    expect(errors).toEqual([]);
    await context.close();
  });
});
