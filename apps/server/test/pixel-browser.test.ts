// The pixel end to end: a real Chromium loads a client's page (served from http://localhost:PORT)
// that embeds the script tag the partner API hands out, and the real server (on 127.0.0.1)
// serves the script, takes its events, identifies the visitor from a real dataset file and
// charges the ledger.
import { createDatasetResolver, type IdentityResolver } from '@allot/api';
import { launchVisitorChromium, type Browser, type Page } from '@allot/browser-testing';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';
import { ORGS } from './paths.ts';

let dir: string;
let identity: IdentityResolver;
let server: TestServer;
let browser: Browser;
/** The server's clock: the real one unless a test sets it. */
let clock: Date | null = null;
const sites: Server[] = [];
/** The script tag each page embeds, by the page's path prefix (`/org-<n>/`). */
const tags = new Map<string, string>();

/** A client's website: every path is a page embedding its organization's tag, with SPA links. */
async function startSite(): Promise<string> {
  const site = createServer((req, res) => {
    const [, prefix = ''] = /^\/([^/]+)\//.exec(req.url ?? '/') ?? [];
    const tag = tags.get(prefix) ?? '';
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html><head><title>Client</title>
      <script>window.allot=window.allot||function(){(allot.q=allot.q||[]).push(arguments)}</script>
      ${tag}</head><body><h1>${req.url}</h1></body></html>`);
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  sites.push(site);
  return `http://localhost:${(site.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'allot-identities-'));
  const dataset = join(dir, 'identities.jsonl');
  writeFileSync(
    dataset,
    [
      { cidr: '127.0.0.0/8', company: { name: 'Loopback Ltd', domain: 'loopback.example' } },
      { cidr: '::1/128', company: { name: 'Loopback Ltd', domain: 'loopback.example' } },
    ]
      .map((line) => JSON.stringify(line))
      .join('\n'),
  );
  identity = (await createDatasetResolver(dataset)).resolver;
  server = await startTestServer({ identity, selfPublicUrl: true, now: () => clock ?? new Date() });
  // A visitor's browser: navigator.webdriver false and a desktop user agent, so its events are a
  // visitor's, not a bot's.
  browser = await launchVisitorChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  for (const site of sites) site.close();
  await server.close();
  await identity.close();
  rmSync(dir, { recursive: true, force: true });
});

let organizations = 0;

/** A partner's organization whose pixel is installed on `/org-<n>/` pages, allowing `allowed`. */
async function installedOrganization(allowed: string[], credits = 10) {
  const { apiKey } = await server.createPartner({ poolCredits: 1000 });
  const created = await server.request('POST', ORGS, {
    apiKey,
    body: { name: 'Client', tier: 'paid', initialCredits: credits },
  });
  const id = created.body.organization.id as string;
  await server.request('PUT', `${ORGS}/${id}/pixel`, {
    apiKey,
    body: { allowedReferrers: allowed },
  });
  const pixel = await server.request('GET', `${ORGS}/${id}/pixel`, { apiKey });
  const prefix = `org-${(organizations += 1)}`;
  tags.set(prefix, pixel.body.scriptTag);
  return { apiKey, id, prefix, scriptTag: pixel.body.scriptTag as string };
}

async function visitorsOf(apiKey: string, id: string) {
  return (await server.request('GET', `${ORGS}/${id}/visitors`, { apiKey })).body;
}

/** Polls until `check` passes: beacons arrive when the browser sends them, not when a call returns. */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await read();
    if (check(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function refusedEvents(id: string) {
  const rows = await server.db
    .selectFrom('pixel_daily')
    .select('refused')
    .where('organization_id', '=', id)
    .execute();
  return rows.reduce((sum, row) => sum + row.refused, 0);
}

describe('the pixel in Chromium against the real server', () => {
  it('identifies the visitor once across reloads and SPA navigations, counting page views and engaged time', async () => {
    const site = await startSite();
    const org = await installedOrganization([site]);
    expect(org.scriptTag).toContain(`${server.url}/script.js?key=`);

    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: Error[] = [];
    page.on('pageerror', (error) => errors.push(error));
    await page.goto(`${site}/${org.prefix}/home`);
    await page.reload();
    await page.reload();
    // SPA navigations: a pushState and the back button.
    await page.evaluate("history.pushState({}, '', 'pricing')");
    await page.evaluate('history.back()');
    await page.waitForURL(/\/home$/);
    // Stay visible over a second, then leave: the engaged time goes out with the page.
    await page.waitForTimeout(1200);
    await page.goto('about:blank');

    const list = await eventually(
      () => visitorsOf(org.apiKey, org.id),
      (body) =>
        body.visitorStatistics[0]?.pageViews === 5 &&
        body.visitorStatistics[0]?.engagedSeconds >= 1,
    );
    expect(list.visitorsCount).toBe(1);
    const [visitor] = list.visitorStatistics;
    expect(visitor).toMatchObject({
      identified: true,
      companyName: 'Loopback Ltd',
      companyDomain: 'loopback.example',
      pageViews: 5,
      sessions: 1,
    });
    expect(visitor.engagedSeconds).toBeGreaterThanOrEqual(1);
    expect(visitor.topPages).toEqual([
      { path: `/${org.prefix}/home`, views: 4 },
      { path: `/${org.prefix}/pricing`, views: 1 },
    ]);

    const balances = await server.request('GET', `${ORGS}/${org.id}/credits`, {
      apiKey: org.apiKey,
    });
    expect(balances.body.balances[0]).toMatchObject({ used: 1, available: 9 });
    const pixel = await server.request('GET', `${ORGS}/${org.id}/pixel`, { apiKey: org.apiKey });
    expect(pixel.body.lastEventAt).not.toBeNull();
    expect(errors).toEqual([]);
    await context.close();
  });

  it('stores nothing from a page on an origin outside allowedReferrers', async () => {
    const allowedSite = await startSite();
    const otherSite = await startSite();
    const org = await installedOrganization([allowedSite]);

    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${otherSite}/${org.prefix}/home`);
    await page.goto('about:blank');
    // The refusal is counted, which tells the events did arrive.
    expect(
      await eventually(
        () => refusedEvents(org.id),
        (refused) => refused >= 1,
      ),
    ).toBeGreaterThanOrEqual(1);
    expect((await visitorsOf(org.apiKey, org.id)).visitorsCount).toBe(0);
    await context.close();
  });

  it("serves a suspended organization's page an empty script that stores nothing", async () => {
    const site = await startSite();
    const org = await installedOrganization([site]);
    const active = await installedOrganization([site]);
    await server.request('PUT', `${ORGS}/${org.id}/status`, {
      apiKey: org.apiKey,
      body: { enabled: false },
    });

    const context = await browser.newContext();
    const page = await context.newPage();
    const script = page.waitForResponse((response) => response.url().includes('/script.js'));
    await page.goto(`${site}/${org.prefix}/home`);
    const response = await script;
    expect(response.status()).toBe(200);
    expect(await response.text()).toBe('');
    await page.evaluate("history.pushState({}, '', 'pricing')");
    // Then an active organization's page in the same browser: once its visit has arrived,
    // anything the suspended page had sent before it would have arrived too.
    await page.goto(`${site}/${active.prefix}/home`);
    await page.goto('about:blank');
    await eventually(
      () => visitorsOf(active.apiKey, active.id),
      (body) => body.visitorsCount === 1,
    );
    // Nothing ran, so nothing arrived: not even a refusal.
    expect(await refusedEvents(org.id)).toBe(0);
    expect((await visitorsOf(org.apiKey, org.id)).visitorsCount).toBe(0);
    await context.close();
  });

  it('charges one credit a period however the browser forgets the visitor: cleared storage, 8 days on', async () => {
    // The 5th of a monthly period that starts on the 1st: 8 days on is the same period.
    clock = new Date('2031-01-05T12:00:00.000Z');
    try {
      const site = await startSite();
      const org = await installedOrganization([site]);
      const used = async () =>
        (await server.request('GET', `${ORGS}/${org.id}/credits`, { apiKey: org.apiKey })).body
          .balances[0].used as number;
      /** One visit in `context`; resolves once the server has recorded the `count`th visitor. */
      const visit = async (page: Page, count: number) => {
        await page.goto(`${site}/${org.prefix}/home`);
        await page.goto('about:blank');
        return await eventually(
          () => visitorsOf(org.apiKey, org.id),
          (body) => body.visitorsCount === count,
        );
      };

      const first = await browser.newContext();
      const page = await first.newPage();
      await visit(page, 1);
      expect(await used()).toBe(1);

      // Storage cleared: the pixel makes a new visitor id, and the server a new visitor.
      await page.goto(`${site}/${org.prefix}/home`);
      await page.evaluate('localStorage.clear()');
      await first.clearCookies();
      const cleared = await visit(page, 2);
      const ids = cleared.visitorStatistics.map((v: { identityId: string }) => v.identityId);
      expect(cleared.visitorStatistics.every((v: { identified: boolean }) => v.identified)).toBe(
        true,
      );
      expect(new Set(ids).size).toBe(1);
      expect(await used()).toBe(1);
      await first.close();

      // 8 days on, where Safari has dropped the script's storage: a fresh profile, same period.
      clock = new Date('2031-01-13T12:00:00.000Z');
      const later = await browser.newContext();
      await visit(await later.newPage(), 3);
      expect(await used()).toBe(1);
      await later.close();

      // The next period charges the company once again.
      clock = new Date('2031-02-03T12:00:00.000Z');
      const next = await browser.newContext();
      await visit(await next.newPage(), 4);
      expect(await used()).toBe(1);
      const entries = await server.db
        .selectFrom('identifications')
        .select('period_start')
        .where('organization_id', '=', org.id)
        .orderBy('period_start')
        .execute();
      expect(entries.map((e) => e.period_start.toISOString())).toEqual([
        '2031-01-01T00:00:00.000Z',
        '2031-02-01T00:00:00.000Z',
      ]);
      await next.close();
    } finally {
      clock = null;
    }
  });
});
