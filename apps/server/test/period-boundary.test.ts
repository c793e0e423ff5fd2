import { defined } from '@allot/domain';
import { createDatasetResolver, type IdentityResolver } from '@allot/api';
import { createDb, type Db } from '@allot/db';
import { sql } from 'kysely';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../src/app.ts';
import { OPERATOR_TOKEN, startTestServer, VISITOR_USER_AGENT, type TestServer } from './harness.ts';
import { until } from './until.ts';

const SITE = 'https://shop.example';
const BOUNDARY = new Date('2030-02-01T00:00:00.000Z');

let now = new Date(BOUNDARY.getTime() - 60_000);
let dir: string;
let identity: IdentityResolver;
let server: TestServer;
// A second server on the same database with a pool of its own: the locks two deployments take.
let second: { url: string; close: () => Promise<void> };
let db: Db;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'allot-identities-'));
  const dataset = join(dir, 'identities.jsonl');
  // Loopback is one company; each of 10.2.0.0/24 (named in X-Forwarded-For) a company of its own.
  const companies = Array.from({ length: 256 }, (_, i) => ({
    cidr: `10.2.0.${i}/32`,
    company: { name: `Company ${i}`, domain: `company-${i}.example` },
  }));
  writeFileSync(
    dataset,
    [{ cidr: '127.0.0.0/8', company: { name: 'Loop' } }, ...companies]
      .map((line) => JSON.stringify(line))
      .join('\n'),
  );
  identity = (await createDatasetResolver(dataset)).resolver;
  server = await startTestServer({ identity, trustProxy: ['127.0.0.1'], now: () => now });
  db = createDb({ url: server.databaseUrl, max: 10 });
  const app = await buildServer({
    db,
    publicUrl: 'https://allot.test',
    operatorToken: OPERATOR_TOKEN,
    clock: () => now,
    identity,
    trustProxy: ['127.0.0.1'],
    pixelRateLimitPerIp: 100_000,
    pixelRateLimitPerKey: 100_000,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  second = { url: `http://127.0.0.1:${address.port}`, close: () => app.close() };
});
afterAll(async () => {
  await second.close();
  await db.destroy();
  await server.close();
  await identity.close();
  rmSync(dir, { recursive: true, force: true });
});

async function pixelSite(credits: number) {
  const { apiKey, partner } = await server.createPartner({ poolCredits: 100_000 });
  const created = await server.request('POST', '/partner/organizations', {
    apiKey,
    body: { name: 'Boundary shop', tier: 'paid', initialCredits: credits },
  });
  const id = created.body.organization.id as string;
  await server.request('PUT', `/partner/organizations/${id}/pixel`, {
    apiKey,
    body: { allowedReferrers: [SITE] },
  });
  const pixelKey = (await server.request('GET', `/partner/organizations/${id}/pixel`, { apiKey }))
    .body.apiKey as string;
  return { apiKey, partnerId: partner.id, id, pixelKey };
}

const pageview = (pixelKey: string, visitor: string) => ({
  k: pixelKey,
  v: visitor,
  e: 'pageview',
  u: `${SITE}/`,
});

describe('the lock order at a period boundary', () => {
  it('a pixel event renews before it locks the account: a partner write holding the partner lock can still take the account', async () => {
    now = new Date(BOUNDARY.getTime() - 60_000);
    const { partnerId, id, pixelKey } = await pixelSite(100);
    now = new Date(BOUNDARY.getTime() + 31 * 86_400_000);
    const deadlocksBefore = await deadlocks();

    // What a partner write does: the partner's row first, then the organization's account.
    const writer = await db.connection().execute(async (connection) =>
      connection.transaction().execute(async (trx) => {
        await sql`SELECT 1 FROM partners WHERE id = ${partnerId} FOR UPDATE`.execute(trx);
        const event = send(
          `${server.url}/collect`,
          'POST',
          { origin: SITE },
          pageview(pixelKey, 'visitor-lock'),
        );
        // The event is now queued behind the partner lock (the positive signal), holding nothing
        // the writer needs next.
        await until(async () => (await waitingOnLocks()) > 0);
        await sql`SELECT 1 FROM accounts WHERE organization_id = ${id} FOR UPDATE`.execute(trx);
        // Wrapped: a returned promise would be awaited before the commit it waits for.
        return { event };
      }),
    );
    expect(await writer.event).toBe(202);
    expect(await deadlocks()).toBe(deadlocksBefore);
  });
});

describe('a billing period boundary under concurrent writes', () => {
  it('pixel events, consumptions and allocations on two servers: no deadlock, no 5xx, every charge once', async () => {
    now = new Date(BOUNDARY.getTime() - 60_000);
    const { apiKey, id, pixelKey } = await pixelSite(1_000);
    const deadlocksBefore = await deadlocks();

    // The period ends while nothing has renewed it: the first writes of the new one race to.
    now = BOUNDARY;
    const origins = [server.url, second.url];
    const calls: Promise<{ kind: string; status: number; key?: string }>[] = [];
    for (let i = 0; i < 120; i += 1) {
      const origin = defined(origins[i % 2], 'a server origin');
      if (i % 3 === 0) {
        calls.push(
          send(
            `${origin}/collect`,
            'POST',
            // Each visitor its own company, so each is an identity of its own to charge.
            { origin: SITE, 'content-type': 'text/plain', 'x-forwarded-for': `10.2.0.${i % 256}` },
            {
              k: pixelKey,
              v: `visitor-${i}`,
              e: 'pageview',
              u: `${SITE}/`,
            },
          ).then((status) => ({ kind: 'pixel', status })),
        );
      } else if (i % 3 === 1) {
        const key = `boundary-${i}`;
        calls.push(
          send(
            `${origin}/api/v1/partner/organizations/${id}/credits/consumptions`,
            'POST',
            { 'x-partner-api-key': apiKey, 'idempotency-key': key },
            { amount: 1 },
          ).then((status) => ({ kind: 'consumption', status, key })),
        );
      } else {
        calls.push(
          send(
            `${origin}/api/v1/partner/organizations/${id}/credits`,
            'PUT',
            { 'x-partner-api-key': apiKey },
            { credits: 1_000 + (i % 7) },
          ).then((status) => ({ kind: 'allocation', status })),
        );
      }
    }
    const results = await Promise.all(calls);

    expect(results.filter((r) => r.status >= 500)).toEqual([]);
    expect(await deadlocks()).toBe(deadlocksBefore);
    const pixel = results.filter((r) => r.kind === 'pixel');
    expect(pixel.every((r) => r.status === 202)).toBe(true);
    const consumed = results.filter((r) => r.kind === 'consumption' && r.status === 201);
    expect(results.filter((r) => r.kind === 'allocation').every((r) => r.status === 200)).toBe(
      true,
    );

    // Every charge once, in the new period: each identified visitor and each acknowledged
    // consumption is one consumption entry of one credit, and nothing else was consumed.
    const { rows } = await sql<{ identified: number; consumed: number; entries: number }>`
      SELECT
        (SELECT count(*)::int FROM identifications WHERE organization_id = ${id}
          AND period_start = ${BOUNDARY}) AS identified,
        (SELECT count(*)::int FROM consumptions WHERE organization_id = ${id}
          AND created_at = ${BOUNDARY}) AS consumed,
        (SELECT coalesce(sum(-amount), 0)::int FROM entries
          WHERE organization_id = ${id} AND account_kind = 'organization'
            AND type = 'decrement' AND created_at = ${BOUNDARY}) AS entries`.execute(db);
    expect(rows[0]?.identified).toBe(pixel.length);
    expect(rows[0]?.consumed).toBe(consumed.length + pixel.length);
    expect(rows[0]?.entries).toBe(consumed.length + pixel.length);
    expect(consumed.length).toBe(results.filter((r) => r.kind === 'consumption').length);
  });
});

async function send(url: string, method: string, headers: Record<string, string>, body: unknown) {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', 'user-agent': VISITOR_USER_AGENT, ...headers },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response.status;
}

async function deadlocks(): Promise<number> {
  const { rows } = await sql<{ deadlocks: number }>`
    SELECT deadlocks::int FROM pg_stat_database WHERE datname = current_database()`.execute(db);
  return defined(rows[0], 'the database statistics').deadlocks;
}

/** Backends of the test database waiting for a row or table lock. */
async function waitingOnLocks(): Promise<number> {
  const { rows } = await sql<{ waiting: number }>`
    SELECT count(*)::int AS waiting FROM pg_stat_activity
    WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(db);
  return defined(rows[0], 'the lock count').waiting;
}
