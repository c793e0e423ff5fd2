import { defined } from '@allot/domain';
// A partner admin's day in the admin app, end to end in Chromium against the real server and
// database: sign in, create an organization, allocate (the pool gauge follows; past the pool a
// 422 is shown), install the pixel, grant and void credits, manage an API key, sign out. Then
// what the server refuses a browser: a change without the CSRF header, an ended session.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  openApp,
  partnerWithAdmin,
  signIn,
  startAdminHarness,
  type AdminHarness,
} from './admin-browser.ts';
import { HOUR } from './time.ts';

/** The server's clock: real time, plus whatever a test skips ahead. */
let skipped = 0;
let harness: AdminHarness;
beforeAll(async () => {
  harness = await startAdminHarness({ now: () => new Date(Date.now() + skipped) });
}, 300_000);
afterAll(() => harness?.close());

describe('a partner admin in the admin app', () => {
  it('signs in, creates and funds an organization, installs its pixel, grants and voids, manages a key, signs out', async () => {
    const admin = await partnerWithAdmin(harness.server, { poolCredits: 1000 });
    const { page, context, errors } = await openApp(harness);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], {
      origin: harness.server.url,
    });
    await signIn(page, admin.email, admin.password);

    // The dashboard: nothing allocated yet.
    const gauge = page.getByRole('meter', { name: 'Pool allocated' });
    await expect.poll(() => gauge.getAttribute('aria-valuenow')).toBe('0');
    expect(await gauge.getAttribute('aria-valuemax')).toBe('1000');

    // Create an organization.
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Organizations' })
      .click();
    await page.getByRole('button', { name: 'New organization' }).click();
    const create = page.getByRole('dialog', { name: 'New organization' });
    await create.getByLabel('Name').fill('Journey Corp');
    await create.getByLabel('Tier').selectOption('paid');
    await create.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: 'Journey Corp' }).waitFor();
    const organizationUrl = page.url();

    // Allocate 300, and see the gauge follow.
    await page
      .getByRole('navigation', { name: 'Organization' })
      .getByRole('link', { name: 'Credits' })
      .click();
    await page.getByRole('button', { name: 'Set allocation' }).click();
    const allocate = page.getByRole('dialog', { name: 'Set allocation' });
    await allocate.getByLabel('Credits this period').fill('300');
    await allocate.getByRole('button', { name: 'Set allocation' }).click();
    await expect.poll(() => allocate.isVisible()).toBe(false);
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await expect.poll(() => gauge.getAttribute('aria-valuenow')).toBe('300');
    expect(
      await page.getByRole('term').filter({ hasText: 'Allocated' }).locator('+ dd').textContent(),
    ).toBe('300');

    // Past the pool: the 422's message, next to the field.
    await page.goto(`${organizationUrl}/credits`);
    await page.getByRole('button', { name: 'Set allocation' }).click();
    await allocate.getByLabel('Credits this period').fill('1500');
    await allocate.getByRole('button', { name: 'Set allocation' }).click();
    const refusal = allocate.locator('.field-error');
    await expect.poll(() => refusal.textContent()).toMatch(/pool/i);
    expect(await allocate.getByLabel('Credits this period').getAttribute('aria-invalid')).toBe(
      'true',
    );
    await allocate.getByRole('button', { name: 'Cancel' }).click();

    // Grant 40, void them, and read both in the ledger.
    await page.getByRole('button', { name: 'Grant credits' }).click();
    const grant = page.getByRole('dialog', { name: 'Grant credits' });
    await grant.getByLabel('Amount').fill('40');
    await grant.getByLabel('Reason').fill('Welcome bonus');
    await grant.getByRole('button', { name: 'Grant' }).click();
    const balance = page.getByRole('region', { name: 'identification credits' });
    await expect.poll(() => balance.getByRole('definition').textContent()).toBe('340');
    await page.getByRole('button', { name: 'Void the promotional grant of 40' }).click();
    const voiding = page.getByRole('dialog', { name: 'Void this grant?' });
    await voiding.getByLabel('Reason').fill('Granted twice');
    await voiding.getByRole('button', { name: 'Void grant' }).click();
    await expect.poll(() => balance.getByRole('definition').textContent()).toBe('300');
    const ledger = page.getByRole('region', { name: 'Ledger' });
    await expect
      .poll(() => ledger.getByRole('cell', { name: 'Granted twice' }).isVisible())
      .toBe(true);
    await expect
      .poll(() => ledger.getByRole('cell', { name: 'Welcome bonus' }).isVisible())
      .toBe(true);

    // Install the pixel: copy the tag, allow the client's origin.
    await page
      .getByRole('navigation', { name: 'Organization' })
      .getByRole('link', { name: 'Pixel' })
      .click();
    await page.getByRole('button', { name: 'Copy script tag' }).click();
    await page.getByText('Copied', { exact: true }).waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toMatch(
      /^<script src="http:\/\/127\.0\.0\.1:\d+\/script\.js\?key=px_/,
    );
    await page.getByLabel('Origin 1', { exact: true }).fill('https://journey.example');
    await page.getByRole('button', { name: 'Save referrers' }).click();
    await page.getByText('Saved', { exact: true }).waitFor();

    // An API key: created and shown once, then revoked.
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('button', { name: 'Create API key' }).click();
    const shown = page.getByRole('dialog', { name: 'Your new API key' });
    const key = defined(await shown.locator('code').textContent(), 'the new API key');
    await shown.getByRole('button', { name: 'Close' }).click();
    expect((await harness.server.request('GET', '/partner/billing', { apiKey: key })).status).toBe(
      200,
    );
    const row = page.locator('tbody tr', { hasText: key.slice(0, 15) });
    await row.getByRole('button', { name: /^Revoke/ }).click();
    await page
      .getByRole('dialog', { name: /^Revoke/ })
      .getByRole('button', { name: 'Revoke' })
      .click();
    await expect.poll(() => row.getByText('revoked').isVisible()).toBe(true);
    expect((await harness.server.request('GET', '/partner/billing', { apiKey: key })).status).toBe(
      401,
    );

    // Sign out: the app returns to the sign-in form, and the old cookie opens nothing.
    const cookie = defined(
      (await context.cookies()).find((c) => c.name === 'allot_session'),
      'the session cookie',
    );
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    const replayed = await fetch(`${harness.server.url}/trpc/billing.get`, {
      headers: { cookie: `allot_session=${cookie.value}` },
    });
    expect(replayed.status).toBe(401);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('refuses a change sent with the session cookie but without its CSRF header', async () => {
    const admin = await partnerWithAdmin(harness.server);
    const { page, context } = await openApp(harness);
    await signIn(page, admin.email, admin.password);
    // What a forged request can do: the browser adds the cookie, but not the header.
    const forged = await page.evaluate(`fetch('/trpc/organizations.create', {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Forged' }), credentials: 'include',
    }).then(async (r) => ({ status: r.status, body: await r.json() }))`);
    expect(forged).toMatchObject({
      status: 403,
      body: { error: { data: { appCode: 'csrf_token_invalid' } } },
    });
    const list = await harness.server.request('GET', '/partner/organizations', {
      apiKey: admin.apiKey,
    });
    expect(list.body.total).toBe(0);
    await context.close();
  });

  it('sends an idle session back to the sign-in form, keeping the address', async () => {
    const admin = await partnerWithAdmin(harness.server);
    const { page, context, errors } = await openApp(harness, '/organizations');
    await signIn(page, admin.email, admin.password);
    await page.getByText('No organizations yet.').waitFor();
    skipped += 13 * HOUR;
    await page.getByRole('link', { name: 'Team' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/team');
    await signIn(page, admin.email, admin.password);
    expect(new URL(page.url()).pathname).toBe('/team');
    expect(errors).toEqual([]);
    await context.close();
  });
});
