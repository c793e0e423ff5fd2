import { KEY_CACHES_CHANNEL } from '@allot/api';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type Listener } from '../src/listen.ts';
import { startTestServer, type TestServer, VISITOR_USER_AGENT } from './harness.ts';
import { ORGS } from './paths.ts';
import { startServerProcess, type ServerProcess } from './processes.ts';
import { until } from './until.ts';

/**
 * Two servers on one database, each holding pixel keys and API keys in memory: the test's own
 * (`server`, where changes are made through the REST API) and a real process beside it
 * (`other`, where they must take effect). Whatever changes on one is refused on the other within
 * a second, also while the other's LISTEN connection is down, and the process stays up.
 */

const SITE = 'https://shop.example';
const PROMISE_MS = 1_000;

let server: TestServer;
let other: ServerProcess;
const measured: string[] = [];

const LISTENERS = sql<{ count: number }>`
  SELECT count(*)::int AS count FROM pg_stat_activity
  WHERE datname = current_database() AND application_name = ${`allot listen ${KEY_CACHES_CHANNEL}`}
    AND state = 'idle' AND query LIKE 'LISTEN%'`;

/** Both servers' caches listening: only then do they serve from memory at all. */
const bothListening = async () => (await LISTENERS.execute(server.db)).rows[0]?.count === 2;

beforeAll(async () => {
  server = await startTestServer();
  other = await startServerProcess(server.databaseUrl, {
    ALLOT_PIXEL_RATE_LIMIT_PER_IP: '1000000',
    ALLOT_PIXEL_RATE_LIMIT_PER_KEY: '1000000',
  });
  await until(bothListening);
}, 60_000);
afterAll(async () => {
  other.child.kill('SIGTERM');
  await server.close();
  console.log(`invalidation seen by the other process after: ${measured.join('; ')}`);
});

interface Site {
  apiKey: string;
  partnerId: string;
  orgId: string;
  pixelKey: string;
}

async function site(): Promise<Site> {
  const { apiKey, partner } = await server.createPartner();
  const { organization } = await server.ok('POST', ORGS, apiKey, { name: 'Shop', tier: 'paid' });
  const orgId = organization.id as string;
  await server.ok('PUT', `${ORGS}/${orgId}/pixel`, apiKey, { allowedReferrers: [SITE] });
  const pixel = await server.ok('GET', `${ORGS}/${orgId}/pixel`, apiKey);
  return { apiKey, partnerId: partner.id, orgId, pixelKey: pixel.apiKey as string };
}

/** A page view on the other process: 202, or the refusal's code. */
async function collectThere(s: Site, origin = SITE): Promise<string> {
  const response = await fetch(`${other.origin}/collect`, {
    method: 'POST',
    headers: {
      'content-type': 'text/plain;charset=UTF-8',
      'user-agent': VISITOR_USER_AGENT,
      origin,
    },
    body: JSON.stringify({ k: s.pixelKey, v: 'visitor-1', e: 'pageview', u: `${origin}/` }),
  });
  if (response.status === 202) return 'accepted';
  return ((await response.json()) as { error: { code: string } }).error.code;
}

/** Whether the other process serves the organization's script (an empty body when disabled). */
async function scriptThere(s: Site): Promise<boolean> {
  const response = await fetch(`${other.origin}/script.js?key=${s.pixelKey}`);
  return (await response.text()).length > 0;
}

/** The status of an API call with `apiKey` on the other process. */
async function callThere(apiKey: string): Promise<number> {
  const response = await fetch(`${other.url}${ORGS}`, { headers: { 'x-partner-api-key': apiKey } });
  await response.arrayBuffer();
  return response.status;
}

/** Twice, so the second is answered from what the first put in memory. */
async function warm(s: Site) {
  for (let i = 0; i < 2; i += 1) {
    expect(await collectThere(s)).toBe('accepted');
    expect(await scriptThere(s)).toBe(true);
    expect(await callThere(s.apiKey)).toBe(200);
  }
}

/**
 * Milliseconds from now until `condition` holds, polled without pause between attempts (each is
 * a request); fails past five seconds.
 */
async function millisecondsUntil(what: string, condition: () => Promise<boolean>) {
  const start = performance.now();
  while (!(await condition())) {
    if (performance.now() - start > 5_000) throw new Error(`${what}: not within 5 s`);
  }
  const elapsed = performance.now() - start;
  measured.push(`${what} ${elapsed.toFixed(0)} ms`);
  return elapsed;
}

const suspend = (s: Site) =>
  server.ok('PUT', `${ORGS}/${s.orgId}/status`, s.apiKey, { enabled: false });

describe('a change on one server, on the other within a second', () => {
  it("refuses a suspended organization's events and script", async () => {
    const s = await site();
    await warm(s);
    await suspend(s);
    const elapsed = await millisecondsUntil(
      'suspended',
      async () => (await collectThere(s)) === 'organization_inactive' && !(await scriptThere(s)),
    );
    expect(elapsed).toBeLessThan(PROMISE_MS);
  });

  it("refuses a deleted organization's events and script", async () => {
    const s = await site();
    await warm(s);
    const deleted = await server.request('DELETE', `${ORGS}/${s.orgId}`, { apiKey: s.apiKey });
    expect(deleted.status).toBe(204);
    const elapsed = await millisecondsUntil(
      'deleted',
      async () => (await collectThere(s)) === 'organization_inactive' && !(await scriptThere(s)),
    );
    expect(elapsed).toBeLessThan(PROMISE_MS);
  });

  it('answers 401 to a revoked API key', async () => {
    const s = await site();
    await warm(s);
    const key = await server.db
      .selectFrom('api_keys')
      .select('id')
      .where('partner_id', '=', s.partnerId)
      .executeTakeFirstOrThrow();
    const revoked = await server.request(
      'DELETE',
      `/operator/partners/${s.partnerId}/api-keys/${key.id}`,
      { operator: true },
    );
    expect(revoked.status).toBe(204);
    const elapsed = await millisecondsUntil(
      'revoked',
      async () => (await callThere(s.apiKey)) === 401,
    );
    expect(elapsed).toBeLessThan(PROMISE_MS);
  });

  it('checks events against changed allowed referrers', async () => {
    const s = await site();
    await warm(s);
    const moved = 'https://moved.example';
    expect(await collectThere(s, moved)).toBe('referrer_not_allowed');
    await server.ok('PUT', `${ORGS}/${s.orgId}/pixel`, s.apiKey, { allowedReferrers: [moved] });
    const elapsed = await millisecondsUntil(
      'referrers',
      async () =>
        (await collectThere(s, moved)) === 'accepted' &&
        (await collectThere(s)) === 'referrer_not_allowed',
    );
    expect(elapsed).toBeLessThan(PROMISE_MS);
  });

  it('sees a change nobody announced, by the TTL alone', async () => {
    const s = await site();
    await warm(s);
    // A change the triggers do not see: what a notification lost on a silently dead connection
    // would leave behind.
    await server.db.transaction().execute(async (trx) => {
      await sql`SET LOCAL session_replication_role = replica`.execute(trx);
      await sql`UPDATE organizations SET status = 'suspended' WHERE id = ${s.orgId}`.execute(trx);
    });
    // Usually still the held row (it is a few milliseconds old): the cache is in use there.
    const first = await collectThere(s);
    measured.push(`first answer after the unannounced change: ${first}`);
    const elapsed = await millisecondsUntil(
      'unannounced',
      async () => (await collectThere(s)) === 'organization_inactive',
    );
    expect(elapsed).toBeLessThan(PROMISE_MS);
  });
});

describe('with the LISTEN connections killed', () => {
  it('still refuses within a second, stays up, listens again and serves from memory again', async () => {
    const s = await site();
    await warm(s);
    const killed = await sql<{ pid: number }>`
      SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE datname = current_database()
        AND application_name = ${`allot listen ${KEY_CACHES_CHANNEL}`}`.execute(server.db);
    expect(killed.rows).toHaveLength(2);
    await suspend(s);
    const elapsed = await millisecondsUntil(
      'suspended, LISTEN killed',
      async () => (await collectThere(s)) === 'organization_inactive' && !(await scriptThere(s)),
    );
    expect(elapsed).toBeLessThan(PROMISE_MS);

    expect(other.child.exitCode).toBeNull();
    expect((await fetch(`${other.origin}/health`)).status).toBe(200);
    await until(bothListening);
    await server.ok('PUT', `${ORGS}/${s.orgId}/status`, s.apiKey, { enabled: true });
    const enabled = await millisecondsUntil(
      'enabled, LISTEN back',
      async () => (await collectThere(s)) === 'accepted',
    );
    expect(enabled).toBeLessThan(PROMISE_MS);
    await warm(s);
    await suspend(s);
    const again = await millisecondsUntil(
      'suspended, LISTEN back',
      async () => (await collectThere(s)) === 'organization_inactive',
    );
    expect(again).toBeLessThan(PROMISE_MS);
    expect(other.output()).not.toMatch(/Unhandled|uncaught/i);
  });
});

describe("the triggers' notifications", () => {
  let listener: Listener;
  const payloads: string[] = [];
  let connected = false;
  beforeAll(async () => {
    listener = listen(server.databaseUrl, KEY_CACHES_CHANNEL, (payload) => {
      if (payload === null) connected = true;
      else payloads.push(payload);
    });
    await until(() => Promise.resolve(connected));
  });
  afterAll(async () => {
    await listener.close();
  });

  /** What arrives up to a marker sent now: notifications arrive in commit order. */
  async function notifiedUpToHere() {
    const marker = `marker:${payloads.length}:${Math.random()}`;
    await sql`SELECT pg_notify(${KEY_CACHES_CHANNEL}, ${marker})`.execute(server.db);
    await until(() => Promise.resolve(payloads.includes(marker)));
    return payloads.splice(0).filter((payload) => payload !== marker);
  }

  it('name every organization a statement changed, 200 to a notification', async () => {
    const s = await site();
    await sql`
      INSERT INTO organizations (id, partner_id, name, status, tier, product_type, billing_period,
        billing_day_of_month, billing_anchor, credit_allowance, pixel_key, period_start,
        period_end, charge_period_start)
      SELECT gen_random_uuid(), partner_id, name, status, tier, product_type, billing_period,
        billing_day_of_month, billing_anchor, credit_allowance, pixel_key || '-' || n,
        period_start, period_end, charge_period_start
      FROM organizations, generate_series(1, 449) n WHERE id = ${s.orgId}`.execute(server.db);
    await notifiedUpToHere();
    const ids = await server.db
      .selectFrom('organizations')
      .select('id')
      .where('partner_id', '=', s.partnerId)
      .execute();
    expect(ids).toHaveLength(450);

    await sql`UPDATE organizations SET updated_at = now() WHERE partner_id = ${s.partnerId}`.execute(
      server.db,
    );
    const notified = await notifiedUpToHere();
    expect(notified).toHaveLength(3);
    for (const payload of notified) expect(payload.length).toBeLessThan(8000);
    const named = notified.flatMap((payload) => payload.replace('organizations:', '').split(','));
    expect(named.sort()).toEqual(ids.map((row) => row.id).sort());
  });

  it('name a revoked API key, and not one whose last use was written', async () => {
    const s = await site();
    const key = await server.db
      .selectFrom('api_keys')
      .select('id')
      .where('partner_id', '=', s.partnerId)
      .executeTakeFirstOrThrow();
    await notifiedUpToHere();
    await server.db
      .updateTable('api_keys')
      .set({ last_used_at: new Date() })
      .where('id', '=', key.id)
      .execute();
    expect(await notifiedUpToHere()).toEqual([]);
    await server.db
      .updateTable('api_keys')
      .set({ revoked_at: new Date() })
      .where('id', '=', key.id)
      .execute();
    expect(await notifiedUpToHere()).toEqual([`api_keys:${key.id}`]);
  });
});
