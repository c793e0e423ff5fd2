import { defined } from '@allot/domain';
import { sql } from 'kysely';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';
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
  // Every event here comes from loopback: every visitor resolves to this company.
  writeFileSync(
    dataset,
    `${JSON.stringify({ cidr: '127.0.0.0/8', company: { name: 'Loopback Ltd' } })}\n${JSON.stringify({ cidr: '::1/128', company: { name: 'Loopback Ltd' } })}\n`,
  );
  server = await startTestServer();
  const env = {
    ALLOT_IDENTITY_DATASET: dataset,
    ALLOT_PIXEL_RATE_LIMIT_PER_IP: '1000000',
    ALLOT_PIXEL_RATE_LIMIT_PER_KEY: '1000000',
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

/** 2,000 events from 500 visitors, interleaved, all in flight at once, across both processes. */
async function burst(pixelKey: string, prefix: string) {
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
          headers: { 'content-type': 'text/plain;charset=UTF-8', origin: SITE },
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
    identifications: number;
    identified: number;
    visitors: number;
    page_views: string;
  }>`SELECT
      (SELECT count(*)::int FROM consumptions WHERE organization_id = ${organizationId}) AS consumptions,
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
});
