// Pixel events are written in batches (group commit): many events, one transaction. What the
// batching must never cost: an event answered before it committed, an event lost or written
// twice, a failed batch taking good events down with it, a credit charged twice after a crash.
import { services } from '@allot/api';
import { defined, identityKey } from '@allot/domain';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectBooksBalance } from './books.ts';
import { startTestServer, VISITOR_USER_AGENT, type TestServer } from './harness.ts';
import { startServerProcess } from './processes.ts';

const SITE = 'https://shop.example';

type PixelOrganization = services.PixelOrganization;
type PendingEvent = services.PendingEvent;

let server: TestServer;
let dir: string;
beforeAll(async () => {
  server = await startTestServer();
  dir = mkdtempSync(join(tmpdir(), 'allot-batches-'));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function site(credits: number) {
  const { apiKey } = await server.createPartner({ poolCredits: 100_000 });
  const created = await server.request('POST', '/partner/organizations', {
    apiKey,
    body: { name: 'Busy shop', tier: 'paid', initialCredits: credits },
  });
  expect(created.status).toBe(201);
  const id = created.body.organization.id as string;
  await server.request('PUT', `/partner/organizations/${id}/pixel`, {
    apiKey,
    body: { allowedReferrers: [SITE] },
  });
  const org = await server.db
    .selectFrom('organizations')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  return { apiKey, id, org };
}

/** A page view of `visitor`, charging nothing (no identity). */
function pageView(org: PixelOrganization, visitor: string): PendingEvent {
  return {
    org,
    event: { k: 'not-read-by-the-writer', v: visitor, e: 'pageview', u: `${SITE}/` },
    ip: '127.0.0.1',
    now: new Date(),
    chargePeriod: { start: org.charge_period_start, end: org.period_end },
    identity: null,
    identityKey: null,
    hint: null,
  };
}

/** A page view of `visitor` that resolved to the company `company`: a charge unless known. */
function identifiedView(org: PixelOrganization, visitor: string, company: string): PendingEvent {
  const identity = { company: { name: company, domain: `${company}.example` } };
  return {
    ...pageView(org, visitor),
    identity,
    identityKey: defined(identityKey(identity), 'the identity key'),
  };
}

const visitorsOf = (organizationId: string) =>
  server.db
    .selectFrom('visitors')
    .select(['client_id', 'page_views'])
    .where('organization_id', '=', organizationId)
    .orderBy('client_id')
    .execute();

describe('the event writer', () => {
  it('writes events that arrive together in one transaction, each exactly once', async () => {
    const { id, org } = await site(0);
    const batches: number[] = [];
    const writer = services.createEventWriter(server.db, {
      onBatch: (size, committed) => {
        expect(committed).toBe(true);
        batches.push(size);
      },
    });
    // 50 visitors, 4 page views each, all at once: a visitor's later views wait for a later
    // batch (a batch writes each visitor's row once), and none is lost or counted twice.
    const visitors = Array.from({ length: 50 }, (_, i) => `v-${String(i).padStart(2, '0')}`);
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        writer.write(pageView(org, defined(visitors[i % 50], 'a visitor'))),
      ),
    );
    expect(batches.reduce((sum, size) => sum + size, 0)).toBe(200);
    expect(Math.max(...batches)).toBeGreaterThan(1);
    expect(batches.length).toBeLessThan(200);
    expect(await visitorsOf(id)).toEqual(visitors.map((v) => ({ client_id: v, page_views: 4 })));
    const [daily] = await sql<{ events: number }>`
      SELECT sum(events)::int AS events FROM pixel_daily WHERE organization_id = ${id}`
      .execute(server.db)
      .then((result) => result.rows);
    expect(daily?.events).toBe(200);
  });

  it('waits, after a busy batch, for as many events as it held before writing the next', async () => {
    const { id, org } = await site(0);
    const batches: number[] = [];
    // A linger longer than any test: the second batch can only start once its ten have come.
    const writer = services.createEventWriter(server.db, {
      lingerMs: 60_000,
      onBatch: (size) => batches.push(size),
    });
    await Promise.all(Array.from({ length: 10 }, (_, i) => writer.write(pageView(org, `a-${i}`))));
    await new Promise((resolve) => setImmediate(resolve));
    // The senders answered come back one by one, a turn of the event loop apart: written at
    // once, the first would go alone.
    const next: Promise<boolean>[] = [];
    for (let i = 0; i < 10; i += 1) {
      next.push(writer.write(pageView(org, `b-${i}`)));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(next);
    expect(batches).toEqual([10, 10]);
    expect(await visitorsOf(id)).toHaveLength(20);
  });

  it('charges the new identities of batches over several organizations each once, in one go', async () => {
    const sites = await Promise.all([site(100), site(100), site(3)]);
    const batches: number[] = [];
    const writer = services.createEventWriter(server.db, {
      onBatch: (size, committed) => {
        expect(committed).toBe(true);
        batches.push(size);
      },
    });
    // Per site 8 visitors of 5 companies: 5 identities to charge, the other 3 visitors found
    // known (the second of a company's visitors, in the same batch or a later one). The last
    // site has credits for 3 of its 5.
    const events = sites.flatMap(({ org }) =>
      Array.from({ length: 8 }, (_, i) => identifiedView(org, `visitor-${i}`, `co-${i % 5}`)),
    );
    const identified = await Promise.all(events.map((pending) => writer.write(pending)));
    expect(Math.max(...batches)).toBeGreaterThan(1);

    const [full, other, short] = sites;
    for (const { id } of [defined(full, 'a site'), defined(other, 'a site')]) {
      const { rows } = await sql<{ consumed: number; identifications: number }>`
        SELECT (SELECT period_consumed FROM accounts WHERE organization_id = ${id}
            AND kind = 'organization')::int AS consumed,
          (SELECT count(*) FROM identifications WHERE organization_id = ${id})::int
            AS identifications`.execute(server.db);
      expect(rows[0]).toEqual({ consumed: 5, identifications: 5 });
    }
    const shortId = defined(short, 'a site').id;
    const { rows } = await sql<{ consumed: number; available: number }>`
      SELECT period_consumed::int AS consumed, balance::int AS available FROM accounts
      WHERE organization_id = ${shortId} AND kind = 'organization'`.execute(server.db);
    expect(rows[0]).toEqual({ consumed: 3, available: 0 });
    // Every visitor of a charged identity is identified, and no other.
    expect(identified.slice(0, 16).every(Boolean)).toBe(true);
    expect(identified.slice(16).filter(Boolean).length).toBeGreaterThanOrEqual(3);
    await expectBooksBalance(server.db);
  });

  it('answers each event of a failed batch for itself: the good ones written, the bad one failed', async () => {
    const { id, org } = await site(0);
    const outcomes: boolean[] = [];
    const writer = services.createEventWriter(server.db, {
      lanes: 1,
      onBatch: (_size, committed) => outcomes.push(committed),
    });
    // An organization that does not exist: its visitor row breaks the batch it is in.
    const ghost = { ...org, id: randomUUID() };
    const results = await Promise.allSettled([
      ...Array.from({ length: 10 }, (_, i) => writer.write(pageView(org, `good-${i}`))),
      writer.write(pageView(ghost, 'ghost')),
      ...Array.from({ length: 10 }, (_, i) => writer.write(pageView(org, `good-${10 + i}`))),
    ]);
    expect(results.map((r) => r.status)).toEqual([
      ...Array(10).fill('fulfilled'),
      'rejected',
      ...Array(10).fill('fulfilled'),
    ]);
    expect(outcomes).toContain(false);
    expect(await visitorsOf(id)).toHaveLength(20);
    expect(
      await server.db
        .selectFrom('visitors')
        .select('id')
        .where('organization_id', '=', ghost.id)
        .execute(),
    ).toEqual([]);
  });
});

describe('a server killed mid-batch', () => {
  it('loses no acknowledged event and, retried, charges each identity once', async () => {
    const VISITORS = 400;
    const addressOf = (i: number) => `10.${1 + Math.floor(i / 256)}.${i % 256}.1`;
    const dataset = join(dir, 'identities.jsonl');
    writeFileSync(
      dataset,
      Array.from({ length: VISITORS }, (_, i) =>
        JSON.stringify({ cidr: `${addressOf(i)}/32`, company: { name: `Company ${i}` } }),
      ).join('\n'),
    );
    const env = {
      ALLOT_IDENTITY_DATASET: dataset,
      ALLOT_PIXEL_RATE_LIMIT_PER_IP: '1000000',
      ALLOT_PIXEL_RATE_LIMIT_PER_KEY: '1000000',
      ALLOT_TRUST_PROXY: '127.0.0.1',
    };
    const { apiKey, id, org } = await site(VISITORS);
    const send = (origin: string, i: number) =>
      fetch(`${origin}/collect`, {
        method: 'POST',
        headers: {
          'content-type': 'text/plain;charset=UTF-8',
          'user-agent': VISITOR_USER_AGENT,
          origin: SITE,
          'x-forwarded-for': addressOf(i),
        },
        body: JSON.stringify({ k: org.pixel_key, v: `visitor-${i}`, e: 'pageview', u: SITE }),
      }).then(
        async (response) => {
          await response.arrayBuffer();
          return response.status;
        },
        () => 0,
      );

    const doomed = await startServerProcess(server.databaseUrl, env);
    let acknowledged = 0;
    const statuses = await Promise.all(
      Array.from({ length: VISITORS }, async (_, i) => {
        const status = await send(doomed.origin, i);
        // Killed while the rest are in flight, in the middle of batches.
        if (status === 202 && ++acknowledged === 50) doomed.child.kill('SIGKILL');
        return status;
      }),
    );
    const acked = statuses.flatMap((status, i) => (status === 202 ? [`visitor-${i}`] : []));
    expect(acked.length).toBeGreaterThanOrEqual(50);
    expect(acked.length).toBeLessThan(VISITORS);

    // Every acknowledged event is there, and nothing is charged without its identification.
    const written = new Set((await visitorsOf(id)).map((v) => v.client_id));
    expect(acked.filter((visitor) => !written.has(visitor))).toEqual([]);
    const charged = async () => {
      const { rows } = await sql<{ consumptions: number; identifications: number }>`SELECT
        (SELECT count(*)::int FROM consumptions WHERE organization_id = ${id}) AS consumptions,
        (SELECT count(*)::int FROM identifications WHERE organization_id = ${id})
          AS identifications`.execute(server.db);
      return defined(rows[0], 'the counts');
    };
    const afterCrash = await charged();
    expect(afterCrash.consumptions).toBe(afterCrash.identifications);

    // The senders retry everything on another process: each identity is charged once in all.
    const survivor = await startServerProcess(server.databaseUrl, env);
    try {
      const retried = await Promise.all(
        Array.from({ length: VISITORS }, (_, i) => send(survivor.origin, i)),
      );
      expect(retried.filter((status) => status === 202)).toHaveLength(VISITORS);
    } finally {
      survivor.child.kill('SIGTERM');
    }
    expect(await charged()).toEqual({ consumptions: VISITORS, identifications: VISITORS });
    const balances = await server.request('GET', `/partner/organizations/${id}/credits`, {
      apiKey,
    });
    expect(balances.body.balances[0]).toMatchObject({ available: 0, used: VISITORS });
    await expectBooksBalance(server.db);
  }, 120_000);
});
