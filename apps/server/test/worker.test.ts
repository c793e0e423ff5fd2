import { defined } from '@allot/domain';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker, type Worker } from '../src/worker.ts';
import { until } from './until.ts';
import { startTestServer, type TestServer } from './harness.ts';
import { ORGS } from './paths.ts';

let now = new Date('2030-03-15T12:00:00.000Z');
let server: TestServer;
let worker: Worker;
beforeAll(async () => {
  server = await startTestServer({ now: () => now });
  // The real schedule, so a malformed crontab fails here; the tests add their jobs themselves.
  worker = await startWorker({
    db: server.db,
    databaseUrl: server.databaseUrl,
    clock: () => now,
    concurrency: 1,
  });
}, 60_000);
afterAll(async () => {
  await worker.stop();
  await server.close();
});

/**
 * Queues a task and waits until the worker has run it. The listeners go on before the job is
 * added: a quick worker can finish it before addJob's own answer arrives.
 */
async function runJob(task: string): Promise<void> {
  const { runner } = worker;
  const succeeded = new Set<string>();
  let failure: Error | undefined;
  const onSuccess = ({ job }: { job: { id: string } }) => succeeded.add(job.id);
  const onError = ({ error }: { error: unknown }) => (failure = error as Error);
  runner.events.on('job:success', onSuccess);
  runner.events.on('job:error', onError);
  try {
    const { id } = await runner.addJob(task, {});
    while (!succeeded.has(id)) {
      if (failure) throw failure;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    runner.events.off('job:success', onSuccess);
    runner.events.off('job:error', onError);
  }
}

const entryCount = async (organizationId: string) =>
  Number(
    (
      await server.db
        .selectFrom('entries')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('organization_id', '=', organizationId)
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('the job worker (graphile-worker on the real database)', () => {
  it('renew_periods renews a period ahead of traffic, and running it again changes nothing', async () => {
    now = new Date('2030-03-15T12:00:00.000Z');
    const { apiKey } = await server.createPartner({ poolCredits: 1000 });
    const created = await server.request('POST', ORGS, {
      apiKey,
      body: { name: 'Ahead', tier: 'paid', initialCredits: 100, creditAllowance: 100 },
    });
    const id = created.body.organization.id as string;

    now = new Date('2030-04-01T00:00:00.000Z');
    await runJob('renew_periods');
    // Read the row itself: no request has renewed anything lazily.
    const row = await server.db
      .selectFrom('organizations')
      .select('period_start')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.period_start.toISOString()).toBe('2030-04-01T00:00:00.000Z');
    const written = await entryCount(id);
    await runJob('renew_periods');
    expect(await entryCount(id)).toBe(written);
  });

  it('expire_credits writes down lapsed credits once', async () => {
    now = new Date('2030-04-02T00:00:00.000Z');
    const { apiKey } = await server.createPartner({ billingMode: 'external' });
    const created = await server.request('POST', ORGS, {
      apiKey,
      body: { name: 'Lapse', tier: 'paid' },
    });
    const id = created.body.organization.id as string;
    const grant = await server.request('POST', `${ORGS}/${id}/credits/grants`, {
      apiKey,
      body: { amount: 12, expiresAt: '2030-04-03T00:00:00Z', reason: 'short promotion' },
    });
    expect(grant.status).toBe(201);

    now = new Date('2030-04-04T00:00:00.000Z');
    await runJob('expire_credits');
    await runJob('expire_credits');
    const expirations = await server.db
      .selectFrom('entries')
      .select(['amount', 'account_kind'])
      .where('block_id', '=', grant.body.grant.id)
      .where('type', '=', 'expiration')
      .orderBy('account_kind')
      .execute();
    // Once, though the task ran twice: the organization's leg (the sink's names no block).
    expect(expirations).toEqual([{ amount: -12, account_kind: 'organization' }]);
  });

  it('forget_idempotency_keys deletes keys past their 24 hours only', async () => {
    now = new Date('2030-04-10T00:00:00.000Z');
    await server.db
      .insertInto('idempotency_keys')
      .values([
        {
          scope: 'operator',
          key: 'old',
          fingerprint: 'f',
          response: '{}',
          created_at: new Date('2030-04-08T00:00:00Z'),
        },
        {
          scope: 'operator',
          key: 'recent',
          fingerprint: 'f',
          response: '{}',
          created_at: new Date('2030-04-09T12:00:00Z'),
        },
      ])
      .execute();
    await runJob('forget_idempotency_keys');
    const left = await server.db.selectFrom('idempotency_keys').select('key').execute();
    expect(left.map((row) => row.key)).toEqual(['recent']);
  });

  it('forget_sessions deletes ended sessions only', async () => {
    now = new Date('2030-04-20T00:00:00.000Z');
    const { partner } = await server.createPartner({
      admin: { email: 'sessions@worker.example', password: 'a long enough password' },
    });
    const user = await server.db
      .selectFrom('users')
      .select('id')
      .where('partner_id', '=', partner.id)
      .executeTakeFirstOrThrow();
    const session = (name: string, lastSeen: string, expires: string) => ({
      id: crypto.randomUUID(),
      token_hash: Buffer.from(name),
      user_id: user.id,
      partner_id: partner.id,
      created_at: new Date('2030-04-15T00:00:00Z'),
      last_seen_at: new Date(lastSeen),
      expires_at: new Date(expires),
    });
    await server.db
      .insertInto('sessions')
      .values([
        session('live', '2030-04-19T20:00:00Z', '2030-04-22T00:00:00Z'),
        session('idle', '2030-04-19T11:00:00Z', '2030-04-22T00:00:00Z'),
        session('over', '2030-04-19T23:00:00Z', '2030-04-19T23:59:00Z'),
      ])
      .execute();
    await runJob('forget_sessions');
    const left = await server.db.selectFrom('sessions').select('token_hash').execute();
    expect(left.map((row) => row.token_hash.toString())).toEqual(['live']);
  });
});

describe('the job worker when every database connection is terminated', () => {
  it('keeps running, and a crossing wakes the auto top-up through its LISTEN again within 5 s', async () => {
    const { apiKey } = await server.createPartner({ billingMode: 'external' });
    const created = await server.request('POST', ORGS, {
      apiKey,
      body: { name: 'Listening shop', tier: 'paid', initialCredits: 20 },
    });
    const orgId = created.body.organization.id as string;
    await server.request('PUT', `${ORGS}/${orgId}/auto-top-up`, {
      apiKey,
      body: { threshold: 10, amount: 50, maxPerPeriod: 5, expiresAfterDays: 30 },
    });

    // Every backend but this one: the worker's pool, its LISTENs, the server's pool.
    await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
              WHERE datname = current_database() AND pid <> pg_backend_pid()`.execute(server.db);
    // Its LISTEN is back when a NOTIFY on its channel has a listener again (the positive signal).
    await until(async () => (await listeners('allot_auto_top_ups')) > 0);

    const crossedAt = Date.now();
    const consumed = await server.request('POST', `${ORGS}/${orgId}/credits/consumptions`, {
      apiKey,
      body: { amount: 15 },
    });
    expect(consumed.status).toBe(201);
    // The cron backstop runs once a minute: only the LISTEN can apply it this soon.
    await until(async () => (await appliedTopUps(orgId)) === 1, 5_000);
    expect(Date.now() - crossedAt).toBeLessThan(5_000);
  });
});

/** Backends LISTENing on a channel (PostgreSQL lists them in pg_stat_activity's query text). */
async function listeners(channel: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM pg_stat_activity
    WHERE datname = current_database() AND query ILIKE ${`LISTEN%${channel}%`}`.execute(server.db);
  return defined(rows[0], 'the count').n;
}

async function appliedTopUps(organizationId: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM auto_top_ups
    WHERE organization_id = ${organizationId} AND status = 'applied'`.execute(server.db);
  return defined(rows[0], 'the count').n;
}
