// Signing in and out of the admin app in Chromium, and what the server refuses a browser.
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

describe('the admin app', () => {
  it('is served at / and at its own addresses, without shadowing the server', async () => {
    const { url } = harness.server;
    for (const path of ['/', '/organizations', '/organizations/x/credits?page=2']) {
      const page = await fetch(`${url}${path}`, { headers: { accept: 'text/html' } });
      expect(page.status, path).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(await page.text()).toContain('<div id="root">');
    }
    // The server's own paths stay JSON, even for a browser.
    for (const path of ['/api/v1/nope', '/trpc/nope', '/health']) {
      const response = await fetch(`${url}${path}`, { headers: { accept: 'text/html' } });
      expect(response.headers.get('content-type'), path).toContain('application/json');
    }
    // A client that does not ask for a page gets the JSON 404.
    const api = await fetch(`${url}/organizations`);
    expect(api.status).toBe(404);
    expect(((await api.json()) as any).error.code).toBe('not_found');
  });

  it('signs in, keeps the address asked for, and signs out', async () => {
    const admin = await partnerWithAdmin(harness.server);
    const { page, context, errors } = await openApp(harness, '/team');
    await expect.poll(() => page.getByRole('heading', { name: 'Sign in' }).isVisible()).toBe(true);

    await page.getByLabel('Email').fill(admin.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('Wrong email or password');

    await signIn(page, admin.email, admin.password);
    expect(new URL(page.url()).pathname).toBe('/team');
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'allot_session')).toMatchObject({
      httpOnly: true,
      sameSite: 'Lax',
    });
    // Script on the page cannot read the session.
    expect(await page.evaluate('document.cookie')).not.toContain('allot_session');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Sign in' }).isVisible()).toBe(true);
    await page.reload();
    await expect.poll(() => page.getByRole('heading', { name: 'Sign in' }).isVisible()).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('stops signing in after repeated failures for an email, saying when to retry, whatever the password', async () => {
    const admin = await partnerWithAdmin(harness.server);
    const { page, context } = await openApp(harness);
    await page.getByLabel('Email').fill(admin.email);
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      await page.getByLabel('Password').fill(`wrong password ${attempt}`);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect
        .poll(() => page.getByRole('alert').textContent())
        .toBe('Wrong email or password');
      await expect.poll(() => page.getByRole('button', { name: 'Sign in' }).isEnabled()).toBe(true);
    }
    await page.getByLabel('Password').fill(admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toBe('Too many sign-in attempts; try again in 15 minutes');
    expect(await page.getByRole('navigation', { name: 'Main' }).count()).toBe(0);
    await context.close();
  });
});
