import { defined } from '@allot/domain';
// The Pixel tab and the API keys screen in Chromium.
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

describe('the Pixel tab', () => {
  it('copies the script tag, edits the allowed referrers and shows the last event received', async () => {
    const admin = await partnerWithAdmin(harness.server);
    const created = await harness.server.request('POST', '/partner/organizations', {
      apiKey: admin.apiKey,
      body: { name: 'Pixel Co' },
    });
    const id = created.body.organization.id;
    const { page, context, errors } = await openApp(harness, `/organizations/${id}/pixel`);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], {
      origin: harness.server.url,
    });
    await signIn(page, admin.email, admin.password);
    await page.getByRole('heading', { name: 'Script tag' }).waitFor();
    await expect
      .poll(() => page.getByText('Nothing yet.', { exact: false }).isVisible())
      .toBe(true);

    await page.getByRole('button', { name: 'Copy script tag' }).click();
    await page.getByText('Copied', { exact: true }).waitFor();
    const copied = await page.evaluate('navigator.clipboard.readText()');
    const pixel = await harness.server.request('GET', `/partner/organizations/${id}/pixel`, {
      apiKey: admin.apiKey,
    });
    expect(copied).toBe(pixel.body.scriptTag);
    expect(copied).toContain(`${harness.server.url}/script.js?key=`);

    // A bad origin is refused next to its field, by the shared contract.
    await page.getByLabel('Origin 1', { exact: true }).fill('acme.com/path');
    await page.getByRole('button', { name: 'Save referrers' }).click();
    await expect
      .poll(() => page.locator('.field-error').first().textContent())
      .toMatch(/Must be an origin/);
    await page.getByLabel('Origin 1', { exact: true }).fill('https://www.acme.example');
    await page.getByRole('button', { name: 'Add origin' }).click();
    await page.getByLabel('Origin 2', { exact: true }).fill('https://*.Acme.example');
    await page.getByRole('button', { name: 'Save referrers' }).click();
    await page.getByText('Saved', { exact: true }).waitFor();
    const saved = await harness.server.request('GET', `/partner/organizations/${id}/pixel`, {
      apiKey: admin.apiKey,
    });
    expect(saved.body.allowedReferrers).toEqual([
      'https://www.acme.example',
      'https://*.acme.example',
    ]);
    await page.getByRole('button', { name: 'Remove origin 2' }).click();
    await page.getByRole('button', { name: 'Save referrers' }).click();
    await expect
      .poll(
        async () =>
          (
            await harness.server.request('GET', `/partner/organizations/${id}/pixel`, {
              apiKey: admin.apiKey,
            })
          ).body.allowedReferrers,
      )
      .toEqual(['https://www.acme.example']);

    // An event from an allowed origin shows as the last one received.
    const accepted = await harness.server.collect(
      { k: saved.body.apiKey, v: 'visitor-0001', e: 'pageview', u: 'https://www.acme.example/' },
      { origin: 'https://www.acme.example' },
    );
    expect(accepted.status).toBe(202);
    await page.reload();
    await page.getByRole('heading', { name: 'Last event received' }).waitFor();
    expect(await page.getByText('Nothing yet.', { exact: false }).count()).toBe(0);
    expect(await page.getByText(/UTC$/).count()).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    await context.close();
  });
});

describe('API keys', () => {
  it('creates a key shown once, lists it with its last use, and revokes it after confirmation', async () => {
    const admin = await partnerWithAdmin(harness.server);
    const { page, context, errors } = await openApp(harness, '/api-keys');
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], {
      origin: harness.server.url,
    });
    await signIn(page, admin.email, admin.password);
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);

    await page.getByRole('button', { name: 'Create API key' }).click();
    const dialog = page.getByRole('dialog', { name: 'Your new API key' });
    const key = defined(await dialog.locator('code').textContent(), 'the new pixel key');
    expect(key).toMatch(/^allot_sk_/);
    await dialog.getByRole('button', { name: 'Copy key' }).click();
    await dialog.getByText('Copied', { exact: true }).waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(key);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => page.locator('tbody tr').count()).toBe(2);
    expect(await page.content()).not.toContain(key);

    const used = await harness.server.request('GET', '/partner/billing', { apiKey: key });
    expect(used.status).toBe(200);
    await page.reload();
    const row = page.locator('tbody tr', { hasText: key.slice(0, 15) });
    await expect.poll(() => row.locator('td').nth(2).textContent()).toMatch(/UTC$/);

    await row.getByRole('button', { name: /^Revoke/ }).click();
    await page
      .getByRole('dialog', { name: /^Revoke/ })
      .getByRole('button', { name: 'Revoke' })
      .click();
    await expect.poll(() => row.getByText('revoked').isVisible()).toBe(true);
    const refused = await harness.server.request('GET', '/partner/billing', { apiKey: key });
    expect(refused.status).toBe(401);
    expect(errors).toEqual([]);
    await context.close();
  });
});
