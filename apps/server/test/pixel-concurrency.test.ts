import { defined } from '@allot/domain';
import { sql } from 'kysely';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, VISITOR_USER_AGENT, type TestServer } from './harness.ts';
import { startServerProcess, type ServerProcess } from './processes.ts';
import { expectBooksBalance } from './books.ts';

const SITE = 'https://shop.example';
const VISITORS = 500;
const EVENTS_PER_VISITOR = 4;

let dir: string;
let server: TestServer;
let processes: ServerProcess[] = [];
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'allot-identities-'));
  const dataset = join(dir, 'identities.jsonl');
  // Visitor i comes from its own address, behind which is its own company (an identity each);
  // the rest of loopback is one company that many browsers share.
  const companies = Array.from({ length: VISITORS }, (_, i) => ({
    cidr: `${addressOf(i)}/32`,
    company: { name: `Company ${i}`, domain: `company-${i}.example` },
  }));
  writeFileSync(
    dataset,
    [...companies, { cidr: '127.0.0.0/8', company: { name: 'Loopback Ltd' } }]
      .map((line) => JSON.stringify(line))
      .join('\n'),
  );
  server = await startTestServer();
  const env = {
    ALLOT_IDENTITY_DATASET: dataset,
    ALLOT_PIXEL_RATE_LIMIT_PER_IP: '1000000',
    ALLOT_PIXEL_RATE_LIMIT_PER_KEY: '1000000',
    // The tests stand in for the proxy: each event names its visitor's address.
    ALLOT_TRUST_PROXY: '127.0.0.1',
  };
  processes = await Promise.all([
    startServerProcess(server.databaseUrl, env),
    startServerProcess(server.databaseUrl, env),
  ]);
}, 60_000);
afterAll(async () => {
  for (const { child } of processes) child.kill('SIGTERM');
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The address of visitor `i`'s company. */
/** Each company on a network of its own, as companies are (the anomaly guard counts per /24). */
function addressOf(i: number) {
  return `10.${1 + Math.floor(i / 256)}.${i % 256}.1`;
}

async function siteWithCredits(credits: number) {
  const { apiKey } = await server.createPartner({ poolCredits: 10_000 });
  const created = await server.request('POST', '/partner/organizations', {
    apiKey,
    body: { name: 'Busy shop', tier: 'paid', initialCredits: credits },
  });
  const id = created.body.organization.id as string;
  await server.request('PUT', `/partner/organizations/${id}/pixel`, {
    apiKey,
    body: { allowedReferrers: [SITE] },
  });
  const pixel = await server.request('GET', `/partner/organizations/${id}/pixel`, { apiKey });
  return { apiKey, id, pixelKey: pixel.body.apiKey as string };
}

/**
 * 2,000 events from 500 visitors, interleaved, all in flight at once, across both processes.
 * Each visitor comes from its company's address, or, with `oneCompany`, all from one.
 */
async function burst(pixelKey: string, prefix: string, oneCompany = false) {
  const events = Array.from({ length: VISITORS * EVENTS_PER_VISITOR }, (_, i) => ({
    k: pixelKey,
    v: `${prefix}-visitor-${String(i % VISITORS).padStart(4, '0')}`,
    e: 'pageview',
    u: `${SITE}/page-${i % 7}`,
  }));
  const statuses = await Promise.all(
    events.map(async (event, i) => {
      const response = await fetch(
        `${defined(processes[i % 2], 'a server process').origin}/collect`,
        {
          method: 'POST',
          headers: {
            'content-type': 'text/plain;charset=UTF-8',
            'user-agent': VISITOR_USER_AGENT,
            origin: SITE,
            'x-forwarded-for': oneCompany ? '127.0.0.9' : addressOf(i % VISITORS),
          },
          body: JSON.stringify(event),
        },
      );
      await response.arrayBuffer();
      return response.status;
    }),
  );
  expect(statuses.filter((status) => status === 202)).toHaveLength(events.length);
}

async function counts(organizationId: string) {
  const { rows } = await sql<{
    consumptions: number;
    identities: number;
    identifications: number;
    identified: number;
    visitors: number;
    page_views: string;
  }>`SELECT
      (SELECT count(*)::int FROM consumptions WHERE organization_id = ${organizationId}) AS consumptions,
      (SELECT count(DISTINCT identity_id)::int FROM visitors WHERE organization_id = ${organizationId})
        AS identities,
      (SELECT count(*)::int FROM identifications WHERE organization_id = ${organizationId}) AS identifications,
      (SELECT count(*)::int FROM visitors WHERE organization_id = ${organizationId}
        AND identified_at IS NOT NULL) AS identified,
      (SELECT count(*)::int FROM visitors WHERE organization_id = ${organizationId}) AS visitors,
      (SELECT sum(page_views) FROM visitors WHERE organization_id = ${organizationId}) AS page_views`.execute(
    server.db,
  );
  return defined(rows[0], 'the row');
}

describe('pixel ingest under concurrency, from two server processes', () => {
  it('2,000 events from 500 visitors consume exactly 500 credits when the organization has them', async () => {
    const site = await siteWithCredits(1000);
    await burst(site.pixelKey, 'rich');
    expect(await counts(site.id)).toEqual({
      consumptions: VISITORS,
      identities: VISITORS,
      identifications: VISITORS,
      identified: VISITORS,
      visitors: VISITORS,
      page_views: String(VISITORS * EVENTS_PER_VISITOR),
    });
    const balances = await server.request('GET', `/partner/organizations/${site.id}/credits`, {
      apiKey: site.apiKey,
    });
    expect(balances.body.balances[0]).toMatchObject({ available: 500, used: 500 });
    await expectBooksBalance(server.db);
  }, 120_000);

  it('and exactly the balance when it has fewer: the rest are recorded unidentified', async () => {
    const site = await siteWithCredits(120);
    await burst(site.pixelKey, 'poor');
    expect(await counts(site.id)).toEqual({
      consumptions: 120,
      identities: 120,
      identifications: 120,
      identified: 120,
      visitors: VISITORS,
      page_views: String(VISITORS * EVENTS_PER_VISITOR),
    });
    const balances = await server.request('GET', `/partner/organizations/${site.id}/credits`, {
      apiKey: site.apiKey,
    });
    expect(balances.body.balances[0]).toMatchObject({ available: 0, used: 120 });
    await expectBooksBalance(server.db);
  }, 120_000);

  it('500 browsers of one company cost one credit, all 500 linked to its one identity', async () => {
    const site = await siteWithCredits(1000);
    await burst(site.pixelKey, 'shared', true);
    expect(await counts(site.id)).toEqual({
      consumptions: 1,
      identities: 1,
      identifications: 1,
      identified: VISITORS,
      visitors: VISITORS,
      page_views: String(VISITORS * EVENTS_PER_VISITOR),
    });
    const balances = await server.request('GET', `/partner/organizations/${site.id}/credits`, {
      apiKey: site.apiKey,
    });
    expect(balances.body.balances[0]).toMatchObject({ available: 999, used: 1 });
    await expectBooksBalance(server.db);
  }, 120_000);
});
