/**
 * The floors of hot-paths.bench.ts, in a process of their own: what the pixel's hot paths would
 * cost with none of the application's logic, on the same PostgreSQL (same WAL, same
 * `synchronous_commit`), through a `pg` pool of the same size as the server's.
 *
 *   tsx bench/floors.ts <a URL of the server's PostgreSQL> [organizations]
 *
 * Makes and migrates a database of its own (`allot_floor`, the real schema), one partner and
 * `organizations` (100) organizations with an account each, and serves:
 * - `POST /bare`: Fastify parsing a JSON body and answering 202, nothing else;
 * - `POST /upsert`: the visitor upsert of ingest.ts (`upsertVisitor`), one statement;
 * - `POST /identify`: one transaction of the writes a new visitor's identification makes: the
 *   visitor, its identity, the organization account's balance, a ledger entry, the
 *   identification and the daily counter.
 * - `GET /read/:id`: one SELECT of an organization with its account by id, as JSON: the
 *   floor of a partner's REST read with the database in it.
 * Bodies are the pixel's events (`{k, v, e, u}`); `k` names the organization by its pixel key.
 *
 * Prints `bench-ready {"origin", "keys", "databaseUrl"}` on stdout; closes when stdin ends.
 */
import { createDb, createPool, migrateToLatest, withDatabase } from '@allot/db';
import { defined } from '@allot/domain';
import Fastify from 'fastify';
import { sql } from 'kysely';
import { announceReady, untilStdinEnds } from './child-process.ts';

const clusterUrl = process.argv[2];
if (!clusterUrl) throw new Error('usage: floors.ts <postgres URL> [organizations]');
const ORGANIZATIONS = Number(process.argv[3] ?? 100);
const DATABASE = 'allot_floor';
/** Far more than any run spends: no request is ever refused for want of credits. */
const BALANCE = 1_000_000_000;
// As ingest.ts has them; written out so a change there does not move the floor under it.
const MAX_TRACKED_PAGES = 100;
const COUNTER_SHARDS = 16;
const SESSION_IDLE = '1800000 milliseconds';

const admin = createDb({ url: withDatabase(clusterUrl, 'postgres'), max: 1 });
await sql`DROP DATABASE IF EXISTS ${sql.id(DATABASE)} WITH (FORCE)`.execute(admin);
await sql`CREATE DATABASE ${sql.id(DATABASE)}`.execute(admin);
await admin.destroy();
const databaseUrl = withDatabase(clusterUrl, DATABASE);
const migrating = createDb({ url: databaseUrl, max: 1 });
await migrateToLatest(migrating);
await migrating.destroy();

const pool = createPool({ url: databaseUrl, max: 10 });

interface FloorOrganization {
  partner_id: string;
  organization_id: string;
  account_id: string;
  pixel_key: string;
  period_start: Date;
}

const partner = defined(
  (
    await pool.query<{ id: string }>(`
      INSERT INTO partners (id, name, billing_mode, billing_period, billing_day_of_month,
        billing_anchor, pool_credits, pool_period_start, pool_period_end)
      VALUES (uuidv7(), 'Floor', 'external', 'monthly', 1, now(), 0, date_trunc('month', now()),
        date_trunc('month', now()) + interval '1 month')
      RETURNING id`)
  ).rows[0],
  'the floor partner',
).id;
await pool.query(
  `
  INSERT INTO organizations (id, partner_id, name, external_id, status, tier, product_type,
    billing_period, billing_day_of_month, billing_anchor, credit_allowance, pixel_key,
    period_start, period_end, charge_period_start)
  SELECT uuidv7(), $1, 'Floor ' || i, 'floor-' || i, 'active', 'paid', 'B2B', 'monthly', 1, now(),
    $2, 'floor-' || i, date_trunc('month', now()), date_trunc('month', now()) + interval '1 month',
    date_trunc('month', now())
  FROM generate_series(0, $3 - 1) AS i`,
  [partner, BALANCE, ORGANIZATIONS],
);
await pool.query(
  `
  INSERT INTO accounts (id, partner_id, organization_id, kind, credit_type, balance)
  SELECT uuidv7(), partner_id, id, 'organization', 'identification', $1 FROM organizations`,
  [BALANCE],
);
const organizations = new Map(
  (
    await pool.query<FloorOrganization>(`
      SELECT o.partner_id, o.id AS organization_id, a.id AS account_id, o.pixel_key,
        o.charge_period_start AS period_start
      FROM organizations o JOIN accounts a ON a.organization_id = o.id`)
  ).rows.map((row) => [row.pixel_key, row]),
);

/** The visitor upsert of ingest.ts, in raw SQL: a new visitor, or one more page view on one. */
const UPSERT_VISITOR = `
  INSERT INTO visitors AS v (id, partner_id, organization_id, client_id, first_seen_at,
    last_seen_at, page_views, sessions, engaged_seconds, pages)
  VALUES (uuidv7(), $1, $2, $3, $4, $4, 1, 1, 0, jsonb_build_object($5::text, 1))
  ON CONFLICT (organization_id, client_id) DO UPDATE SET
    last_seen_at = greatest(v.last_seen_at, excluded.last_seen_at),
    sessions = v.sessions + (excluded.last_seen_at - v.last_seen_at > '${SESSION_IDLE}'::interval)::int,
    page_views = v.page_views + excluded.page_views,
    engaged_seconds = v.engaged_seconds + excluded.engaged_seconds,
    pages = CASE
      WHEN v.pages ? $5::text OR (SELECT count(*) FROM jsonb_object_keys(v.pages)) < ${MAX_TRACKED_PAGES}
        THEN jsonb_set(v.pages, ARRAY[$5::text], to_jsonb(coalesce((v.pages ->> $5::text)::bigint, 0) + 1))
      ELSE v.pages END
  RETURNING v.id, v.identified_period_start`;

const INSERT_IDENTITY = `
  INSERT INTO identities (id, partner_id, organization_id, key, created_at)
  VALUES (uuidv7(), $1, $2, $3, $4)
  ON CONFLICT ON CONSTRAINT identities_key DO NOTHING
  RETURNING id`;

/** One credit off the organization's account: the row every identification of it locks. */
const DEBIT_ACCOUNT = `
  UPDATE accounts SET balance = balance - 1, sequence = sequence + 1,
    period_consumed = period_consumed + 1
  WHERE id = $1
  RETURNING balance, sequence`;

const INSERT_ENTRY = `
  INSERT INTO entries (account_id, account_kind, partner_id, organization_id, credit_type,
    transfer_id, type, amount, balance_after, sequence, reference, created_at)
  VALUES ($1, 'organization', $2, $3, 'identification', nextval('ledger_transfer_seq'),
    'decrement', -1, $4, $5, $6, $7)`;

const INSERT_IDENTIFICATION = `
  INSERT INTO identifications (id, partner_id, organization_id, visitor_id, identity_id,
    credits, identified_at, period_start)
  VALUES (uuidv7(), $1, $2, $3, $4, 1, $5, $6)
  ON CONFLICT DO NOTHING`;

/** The daily counter of ingest.ts (`countEvent`), on one of its shards. */
const COUNT_EVENT = `
  INSERT INTO pixel_daily (organization_id, partner_id, day, shard, events, refused, bots,
    last_event_at)
  VALUES ($1, $2, $3, $4, 1, 0, 0, $5)
  ON CONFLICT (organization_id, day, shard) DO UPDATE SET
    events = pixel_daily.events + excluded.events,
    refused = pixel_daily.refused + excluded.refused,
    bots = pixel_daily.bots + excluded.bots,
    last_event_at = coalesce(excluded.last_event_at, pixel_daily.last_event_at)`;

interface PixelEvent {
  k: string;
  v: string;
  u: string;
}

const isEvent = (body: unknown): body is PixelEvent =>
  typeof body === 'object' &&
  body !== null &&
  ['k', 'v', 'u'].every((field) => typeof (body as Record<string, unknown>)[field] === 'string');

const app = Fastify();

app.post('/bare', async (_request, reply) => reply.code(202).send({ accepted: true }));

/** The event's organization and page, or null (answered 400) for a body that is not one. */
function eventOf(body: unknown) {
  if (!isEvent(body)) return null;
  const organization = organizations.get(body.k);
  return organization ? { event: body, organization, path: new URL(body.u).pathname } : null;
}

app.post('/upsert', async (request, reply) => {
  const found = eventOf(request.body);
  if (!found) return reply.code(400).send({ accepted: false });
  const { event, organization, path } = found;
  await pool.query(UPSERT_VISITOR, [
    organization.partner_id,
    organization.organization_id,
    event.v,
    new Date(),
    path,
  ]);
  return reply.code(202).send({ accepted: true });
});

app.post('/identify', async (request, reply) => {
  const found = eventOf(request.body);
  if (!found) return reply.code(400).send({ accepted: false });
  const { event, organization: org, path } = found;
  const now = new Date();
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const visitor = defined(
      (
        await client.query<{ id: string }>(UPSERT_VISITOR, [
          org.partner_id,
          org.organization_id,
          event.v,
          now,
          path,
        ])
      ).rows[0],
      'the visitor',
    );
    const identity = defined(
      (
        await client.query<{ id: string }>(INSERT_IDENTITY, [
          org.partner_id,
          org.organization_id,
          `floor:${event.v}`,
          now,
        ])
      ).rows[0],
      'a new identity',
    );
    const account = defined(
      (await client.query<{ balance: number; sequence: number }>(DEBIT_ACCOUNT, [org.account_id]))
        .rows[0],
      'the account',
    );
    await client.query(INSERT_ENTRY, [
      org.account_id,
      org.partner_id,
      org.organization_id,
      account.balance,
      account.sequence,
      `identity:${identity.id} visitor:${visitor.id}`,
      now,
    ]);
    await client.query(INSERT_IDENTIFICATION, [
      org.partner_id,
      org.organization_id,
      visitor.id,
      identity.id,
      now,
      org.period_start,
    ]);
    await client.query(COUNT_EVENT, [
      org.organization_id,
      org.partner_id,
      now.toISOString().slice(0, 10),
      Math.floor(Math.random() * COUNTER_SHARDS),
      now,
    ]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
  return reply.code(202).send({ accepted: true });
});

/** An organization and its account's figures, by primary key: what a REST read needs at least. */
const READ_ORGANIZATION = `
  SELECT o.*, a.balance, a.period_credited, a.period_consumed
  FROM organizations o JOIN accounts a ON a.organization_id = o.id AND a.kind = 'organization'
  WHERE o.id = $1`;

app.get<{ Params: { id: string } }>('/read/:id', async (request, reply) => {
  const row = (await pool.query(READ_ORGANIZATION, [request.params.id])).rows[0] as unknown;
  return row ? { organization: row } : reply.code(404).send({ found: false });
});

await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
announceReady({
  origin: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
  keys: [...organizations.keys()].sort((a, b) => Number(a.slice(6)) - Number(b.slice(6))),
  organizationIds: [...organizations.values()].map((o) => o.organization_id),
  databaseUrl,
});
await untilStdinEnds();
await app.close();
await pool.end();
