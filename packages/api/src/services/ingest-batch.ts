import { sql } from 'kysely';
import type { Tx } from '@allot/db';
import {
  defined,
  DEFAULT_CREDIT_TYPE,
  identificationReference,
  matchingProfiles,
  SESSION_IDLE_MS,
  type ConsumeResult,
  type Identity,
  type IngestEvent,
  type Period,
} from '@allot/domain';
import { newId } from '../ids.ts';
import { chargeWindows, reportRefusal, type ChargeWindow } from './charge-guards.ts';
import { profilesByOrganization } from './icp.ts';
import { burnEach, consumeCredits, settled } from './ledger/consume.ts';
import type { PixelOrganization } from './pixel-organizations.ts';

/** A visitor's views are kept for this many distinct paths; later new paths are not counted. */
export const MAX_TRACKED_PAGES = 100;
const MAX_PATH_LENGTH = 300;

/**
 * Rows per organization and day that events are counted on, one picked at random per batch: a
 * batch's transaction holds its counter row until it commits, so a single row would make every
 * batch of a busy site wait for the previous one's commit.
 */
export const PIXEL_COUNTER_SHARDS = 16;

/** An accepted event, checked and resolved, waiting to be written with others. */
export interface PendingEvent {
  org: PixelOrganization;
  event: IngestEvent;
  ip: string;
  now: Date;
  /** The period an identification in it is charged in. */
  chargePeriod: Period;
  /** Who the visitor is, when it is not identified this period already and the source knows. */
  identity: Identity | null;
  identityKey: string | null;
  /** An email the page handed over (B2C `identify`), kept as self-declared if none is known. */
  hint: string | null;
}

/** A batch holds one event per visitor: one row, written once per statement. */
export const visitorOf = (pending: PendingEvent) => `${pending.org.id}\u0000${pending.event.v}`;

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
/** Rows as one jsonb parameter, each numbered `n` in order (jsonb_to_recordset keeps no order). */
const json = (rows: object[]) => JSON.stringify(rows.map((row, n) => ({ ...row, n })));
// The planner takes such a set (or an unnest of parameters) for 100 rows, and would join it to a
// table of some thousand rows by scanning the whole table, each batch, a scan that grows with the
// table. So a statement that joins one to a table also names the table's keys as arrays
// (`= ANY`), which the planner looks up by index whatever the table's size.

/**
 * Writes a batch of accepted events in the caller's transaction, set-based: one statement for
 * the batch's identities, one for its visitors, the organizations' account locks in one round
 * trip, the charges of its new identifications in one (`burnEach`), one statement for the
 * identified visitors with their identifications and one for the counters. Returns, per event
 * in input order, whether it identified its visitor.
 *
 * Rows are taken in one order by every batch, whichever process runs it, so two batches never
 * wait on each other in opposite orders: identities, then visitors (each by organization and
 * key), then the organizations' accounts (by id, the ledger's lock order), then the guards'
 * windows and the day counters. The account locks come after everything that does not need
 * them and are held to the commit, the shortest they can be.
 */
export async function writeEvents(trx: Tx, batch: PendingEvent[]): Promise<boolean[]> {
  const order = batch
    .map((pending, index) => ({ pending, index }))
    .sort((a, b) => byText(visitorOf(a.pending), visitorOf(b.pending)));
  const identities = await identitiesOf(trx, batch);
  const visitors = await upsertVisitors(
    trx,
    order.map(({ pending }) => pending),
  );

  const candidates = order.filter(({ pending }) => {
    const known = visitors.get(visitorOf(pending));
    return (
      pending.identity !== null &&
      pending.identityKey !== null &&
      // Decided again under the visitor's row lock: another batch may have identified it.
      !identifiedIn(pending.chargePeriod.start, known?.identified_period_start)
    );
  });
  const identified = new Array<boolean>(batch.length).fill(false);
  const charges: Charged[] = [];
  if (candidates.length > 0) {
    await lockAccounts(
      trx,
      candidates.map(({ pending }) => pending),
    );
    const guards = await openGuards(
      trx,
      candidates.map(({ pending }) => pending),
    );
    const keyed = candidates.map(({ pending, index }) => ({
      pending,
      index,
      visitorId: defined(visitors.get(visitorOf(pending)), 'the upserted visitor').id,
      identityId: defined(identities.get(identityOf(pending)), 'the identity'),
    }));
    // Usually no guard is near its limit: every charge is burnt in one round trip.
    const burnt = guards.roomForAll(candidates.map(({ pending }) => pending))
      ? await burnEach(trx, keyed.map(unitBurn))
      : [];
    for (const [i, { pending, index, visitorId, identityId }] of keyed.entries()) {
      const done = burnt[i] ? settled(burnt[i]) : null;
      const result = await charge(trx, guards, pending, visitorId, identityId, done);
      // Without credits (outside usage_based), or past a guard, the visit stays unidentified.
      if (result === null || !result.granted) continue;
      identified[index] = true;
      charges.push({ pending, visitorId, identityId, result });
    }
    await guards.save();
  }
  await markIdentified(trx, charges);
  await keepHints(
    trx,
    order.filter(({ pending, index }) => pending.hint !== null && !identified[index]),
    visitors,
  );
  await countAccepted(trx, batch);
  return identified;
}

interface Charged {
  pending: PendingEvent;
  visitorId: string;
  identityId: string;
  result: ConsumeResult;
}

const identityOf = (pending: PendingEvent) => `${pending.org.id}\u0000${pending.identityKey}`;

/** Whether a visitor identified in `identifiedPeriod` is identified in the period starting then. */
export const identifiedIn = (periodStart: Date, identifiedPeriod: Date | null | undefined) =>
  identifiedPeriod != null && identifiedPeriod.getTime() >= periodStart.getTime();

/**
 * The organization's row for each identity the batch names, made on first sight. Two batches
 * seeing one new identity at once make one row (the second waits on the first's insert); a row
 * whose batch then fails is gone with it, and charged nothing.
 */
async function identitiesOf(trx: Tx, batch: PendingEvent[]): Promise<Map<string, string>> {
  const wanted = new Map<
    string,
    { organization_id: string; partner_id: string; key: string; created_at: Date }
  >();
  for (const pending of batch)
    if (pending.identityKey !== null)
      wanted.set(identityOf(pending), {
        organization_id: pending.org.id,
        partner_id: pending.org.partner_id,
        key: pending.identityKey,
        created_at: pending.now,
      });
  const found = new Map<string, string>();
  if (wanted.size === 0) return found;
  const rows = [...wanted.entries()]
    .sort(([a], [b]) => byText(a, b))
    .map(([, row]) => ({ ...row, id: newId() }));
  const { rows: made } = await sql<{ id: string; organization_id: string; key: string }>`
    WITH input AS (
      SELECT * FROM jsonb_to_recordset(${json(rows)}::jsonb)
        AS x(id uuid, partner_id uuid, organization_id uuid, key text, created_at timestamptz, n int)
    ), made AS (
      INSERT INTO identities (id, partner_id, organization_id, key, created_at)
      SELECT id, partner_id, organization_id, key, created_at FROM input ORDER BY n
      ON CONFLICT ON CONSTRAINT identities_key DO NOTHING
      RETURNING id, organization_id, key
    )
    SELECT id, organization_id, key FROM made
    UNION ALL
    SELECT i.id, i.organization_id, i.key FROM identities i
      JOIN input x ON x.organization_id = i.organization_id AND x.key = i.key
    WHERE i.organization_id = ANY(${rows.map((r) => r.organization_id)}::uuid[])
      AND i.key = ANY(${rows.map((r) => r.key)}::text[])`.execute(trx);
  for (const row of made) found.set(`${row.organization_id}\u0000${row.key}`, row.id);
  // One made by a batch that committed after this statement began is not in its snapshot.
  const missing = [...wanted.entries()].filter(([id]) => !found.has(id));
  if (missing.length > 0) {
    const late = await trx
      .selectFrom('identities')
      .select(['id', 'organization_id', 'key'])
      .where((eb) =>
        eb.or(
          missing.map(([, row]) =>
            eb.and([eb('organization_id', '=', row.organization_id), eb('key', '=', row.key)]),
          ),
        ),
      )
      .execute();
    for (const row of late) found.set(`${row.organization_id}\u0000${row.key}`, row.id);
  }
  return found;
}

const pathOf = (url: string) => new URL(url).pathname.slice(0, MAX_PATH_LENGTH);

/**
 * Records every visit of the batch in one statement: a new visitor, or one more event on a known
 * one. Returns the rows, locked, by visitor.
 */
async function upsertVisitors(trx: Tx, ordered: PendingEvent[]) {
  const rows = ordered.map(({ org, event, now }) => ({
    id: newId(),
    partner_id: org.partner_id,
    organization_id: org.id,
    client_id: event.v,
    at: now,
    page_views: event.e === 'pageview' ? 1 : 0,
    engaged_seconds: event.s ?? 0,
    path: event.e === 'pageview' ? pathOf(event.u) : null,
  }));
  const { rows: upserted } = await sql<{
    id: string;
    organization_id: string;
    client_id: string;
    identified_period_start: Date | null;
  }>`
    INSERT INTO visitors AS v (id, partner_id, organization_id, client_id, first_seen_at,
      last_seen_at, page_views, sessions, engaged_seconds, pages)
    SELECT id, partner_id, organization_id, client_id, at, at, page_views, 1, engaged_seconds,
      CASE WHEN path IS NULL THEN '{}'::jsonb ELSE jsonb_build_object(path, 1) END
    FROM jsonb_to_recordset(${json(rows)}::jsonb) AS x(id uuid, partner_id uuid,
      organization_id uuid, client_id text, at timestamptz, page_views int, engaged_seconds int,
      path text, n int)
    ORDER BY n
    ON CONFLICT (organization_id, client_id) DO UPDATE SET
      last_seen_at = greatest(v.last_seen_at, excluded.last_seen_at),
      -- A page view after ${sql.lit(SESSION_IDLE_MS / 60_000)} idle minutes starts a new session.
      sessions = v.sessions + (excluded.page_views > 0
        AND excluded.last_seen_at - v.last_seen_at > ${`${SESSION_IDLE_MS} milliseconds`}::interval)::int,
      page_views = v.page_views + excluded.page_views,
      engaged_seconds = v.engaged_seconds + excluded.engaged_seconds,
      -- excluded.pages names the one path viewed, if any.
      pages = CASE
        WHEN excluded.pages = '{}'::jsonb THEN v.pages
        WHEN v.pages ?| ARRAY(SELECT jsonb_object_keys(excluded.pages))
          OR (SELECT count(*) FROM jsonb_object_keys(v.pages)) < ${MAX_TRACKED_PAGES}
          THEN v.pages || (SELECT jsonb_object_agg(k, coalesce((v.pages ->> k)::bigint, 0) + 1)
            FROM jsonb_object_keys(excluded.pages) AS k)
        ELSE v.pages END
    RETURNING v.id, v.organization_id, v.client_id, v.identified_period_start`.execute(trx);
  return new Map(upserted.map((row) => [`${row.organization_id}\u0000${row.client_id}`, row]));
}

/**
 * The organizations' accounts the batch charges, locked by id (the ledger's lock order) before
 * the first charge, with the rows their charges' foreign keys share-lock before them, in one
 * round trip (`ledger_lock_organizations`): a batch charging two organizations never holds one
 * while another batch holds the other.
 */
async function lockAccounts(trx: Tx, pending: PendingEvent[]) {
  const organizations = [...new Set(pending.map((p) => p.org.id))];
  await sql`SELECT ledger_lock_organizations(${organizations}::uuid[], ${DEFAULT_CREDIT_TYPE})`.execute(
    trx,
  );
}

/**
 * The charge guards' windows of the batch's organizations, read once under their account locks:
 * every charge of an organization takes that lock first, so no other charge moves its counts
 * until this batch commits, and each charge is checked against the counts as the batch leaves
 * them. `save` writes what the batch charged, in one statement.
 */
async function openGuards(trx: Tx, pending: PendingEvent[]) {
  const windowsOf = (p: PendingEvent) => chargeWindows(p.org, p.chargePeriod, p.ip, p.now);
  const all = new Map<string, { organizationId: string; scope: string; end: Date }>();
  for (const p of pending)
    for (const window of windowsOf(p))
      all.set(`${p.org.id}\u0000${window.scope}`, {
        organizationId: p.org.id,
        scope: window.scope,
        end: window.end,
      });
  const counts = new Map<string, number>();
  const added = new Map<string, number>();
  if (all.size > 0) {
    const keys = [...all.values()];
    const organizations = keys.map((k) => k.organizationId);
    const scopes = keys.map((k) => k.scope);
    const { rows } = await sql<{ organization_id: string; scope: string; identifications: number }>`
      SELECT w.organization_id, w.scope, w.identifications FROM charge_windows w
      JOIN unnest(${organizations}::uuid[], ${scopes}::text[])
        AS t(organization_id, scope) USING (organization_id, scope)
      WHERE w.organization_id = ANY(${organizations}::uuid[])
        AND w.scope = ANY(${scopes}::text[])`.execute(trx);
    for (const row of rows)
      counts.set(`${row.organization_id}\u0000${row.scope}`, row.identifications);
  }
  const countOf = (key: string) => (counts.get(key) ?? 0) + (added.get(key) ?? 0);
  return {
    windowsOf,
    /**
     * Whether every one of these charges fits in its windows even if all of them count: then no
     * guard can refuse any, whatever the others' outcomes, and they may be burnt together.
     */
    roomForAll(charges: PendingEvent[]) {
      const wanted = new Map<string, number>();
      for (const p of charges)
        for (const window of windowsOf(p)) {
          const key = `${p.org.id}\u0000${window.scope}`;
          const count = (wanted.get(key) ?? countOf(key)) + 1;
          if (count > window.limit) return false;
          wanted.set(key, count);
        }
      return true;
    },
    /** The first window this charge would take past its limit, with the count it would make. */
    refusing(p: PendingEvent, windows: ChargeWindow[]) {
      for (const window of windows) {
        const count = countOf(`${p.org.id}\u0000${window.scope}`) + 1;
        if (count > window.limit) return { window, count };
      }
      return null;
    },
    count(p: PendingEvent, windows: ChargeWindow[]) {
      for (const window of windows) {
        const key = `${p.org.id}\u0000${window.scope}`;
        added.set(key, (added.get(key) ?? 0) + 1);
      }
    },
    async save() {
      if (added.size === 0) return;
      const rows = [...added.entries()]
        .sort(([a], [b]) => byText(a, b))
        .map(([key, identifications]) => {
          const { organizationId, scope, end } = defined(all.get(key), 'the window');
          return { organization_id: organizationId, scope, identifications, expires_at: end };
        });
      await sql`
        INSERT INTO charge_windows AS w (organization_id, scope, identifications, expires_at)
        SELECT organization_id, scope, identifications, expires_at
        FROM jsonb_to_recordset(${json(rows)}::jsonb)
          AS x(organization_id uuid, scope text, identifications int,
            expires_at timestamptz, n int)
        ORDER BY n
        ON CONFLICT (organization_id, scope)
          DO UPDATE SET identifications = w.identifications + excluded.identifications`.execute(
        trx,
      );
    },
  };
}

type Guards = Awaited<ReturnType<typeof openGuards>>;

/**
 * The natural key of an identity's charge in a period: another browser of the identity, a retry,
 * a second process or a replayed event finds it claimed and is never charged again in the period.
 */
const chargeKey = (pending: PendingEvent, identityId: string) =>
  `identification:${identityId}:${pending.chargePeriod.start.toISOString()}`;

/** The burn of one identity's charge, for `burnEach`. */
const unitBurn = (charge: { pending: PendingEvent; visitorId: string; identityId: string }) => ({
  organizationId: charge.pending.org.id,
  idempotencyKey: chargeKey(charge.pending, charge.identityId),
  reference: identificationReference(charge.identityId, charge.visitorId),
  now: charge.pending.now,
});

/**
 * Charges one credit for an identity in a period, at most once (the natural key), within the
 * organization's charge guards. A charge a guard would refuse is not made, unless the identity
 * was charged already (a replay links the visitor for nothing); the partner is told once per
 * window. Returns the charge, or null when a guard refused it.
 */
async function charge(
  trx: Tx,
  guards: Guards,
  pending: PendingEvent,
  visitorId: string,
  identityId: string,
  /** The charge's outcome when it was burnt with the batch's others (`burnEach`) already. */
  burnt: ConsumeResult | null,
) {
  const { org, now } = pending;
  const { idempotencyKey, reference } = unitBurn({ pending, visitorId, identityId });
  const windows = guards.windowsOf(pending);
  let result = burnt;
  if (result === null) {
    const refused = guards.refusing(pending, windows);
    if (refused !== null && !(await claimed(trx, org.id, idempotencyKey))) {
      await reportRefusal(trx, org, refused);
      return null;
    }
    result = await consumeCredits(trx, { organizationId: org.id, idempotencyKey, reference }, now);
  }
  // A replay is no new identification: it counts in no window.
  if (result.granted && !result.replayed) guards.count(pending, windows);
  return result;
}

/** Whether the identity's charge in the period exists (read under the account lock). */
async function claimed(trx: Tx, organizationId: string, idempotencyKey: string) {
  const row = await trx
    .selectFrom('consumptions')
    .select('idempotency_key')
    .where('organization_id', '=', organizationId)
    .where('idempotency_key', '=', idempotencyKey)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Identifies the charged visitors as their identities and records one identification per
 * identity and period (a replay's was written by the charge that made it), in one statement.
 */
async function markIdentified(trx: Tx, charges: Charged[]) {
  if (charges.length === 0) return;
  const profiles = await profilesByOrganization(
    trx,
    charges.filter((c) => c.pending.identity?.company).map((c) => c.pending.org.id),
  );
  const rows = charges.map(({ pending, visitorId, identityId }) => {
    const { company, person } = defined(pending.identity, 'the identity');
    return {
      id: visitorId,
      identified_at: pending.now,
      period_start: pending.chargePeriod.start,
      identity_id: identityId,
      company: Boolean(company),
      company_name: company?.name ?? null,
      company_domain: company?.domain ?? null,
      industry: company?.industry ?? null,
      employee_count: company?.employeeCount ?? null,
      revenue: company?.revenue ?? null,
      country: company?.country ?? null,
      icp_profile_ids: company
        ? matchingProfiles(profiles.get(pending.org.id) ?? [], company)
        : null,
      person: Boolean(person),
      email: person?.email ?? null,
      first_name: person?.firstName ?? null,
      last_name: person?.lastName ?? null,
      title: person?.title ?? null,
      linkedin_url: person?.linkedinUrl ?? null,
    };
  });
  const made = charges
    .filter(({ result }) => !result.replayed)
    .map(({ pending, visitorId, identityId, result }) => ({
      id: newId(),
      partner_id: pending.org.partner_id,
      organization_id: pending.org.id,
      visitor_id: visitorId,
      identity_id: identityId,
      credits: result.charged + result.overage,
      identified_at: pending.now,
      period_start: pending.chargePeriod.start,
    }));
  // In one statement: what the source knows replaces what the visitor had (what it does not
  // know is kept), and the identifications are added.
  await sql`
    WITH marked AS (
      UPDATE visitors v SET
        identified_at = x.identified_at,
        identified_period_start = x.period_start,
        identity_id = x.identity_id,
        company_name = CASE WHEN x.company THEN x.company_name ELSE v.company_name END,
        company_domain = CASE WHEN x.company THEN x.company_domain ELSE v.company_domain END,
        industry = CASE WHEN x.company THEN x.industry ELSE v.industry END,
        employee_count = CASE WHEN x.company THEN x.employee_count ELSE v.employee_count END,
        revenue = CASE WHEN x.company THEN x.revenue ELSE v.revenue END,
        country = CASE WHEN x.company THEN x.country ELSE v.country END,
        icp_profile_ids = CASE WHEN x.company THEN x.icp_profile_ids ELSE v.icp_profile_ids END,
        email = CASE WHEN x.person THEN x.email ELSE v.email END,
        email_source = CASE WHEN x.person
          THEN (CASE WHEN x.email IS NULL THEN NULL ELSE 'identity' END) ELSE v.email_source END,
        first_name = CASE WHEN x.person THEN x.first_name ELSE v.first_name END,
        last_name = CASE WHEN x.person THEN x.last_name ELSE v.last_name END,
        title = CASE WHEN x.person THEN x.title ELSE v.title END,
        linkedin_url = CASE WHEN x.person THEN x.linkedin_url ELSE v.linkedin_url END
      FROM jsonb_to_recordset(${json(rows)}::jsonb) AS x(id uuid, identified_at timestamptz,
        period_start timestamptz, identity_id uuid, company boolean, company_name text,
        company_domain text, industry text, employee_count bigint, revenue bigint, country text,
        icp_profile_ids uuid[], person boolean, email text, first_name text, last_name text,
        title text, linkedin_url text)
      WHERE v.id = x.id AND v.id = ANY(${rows.map((r) => r.id)}::uuid[])
    )
    INSERT INTO identifications (id, partner_id, organization_id, visitor_id, identity_id,
      credits, identified_at, period_start)
    SELECT id, partner_id, organization_id, visitor_id, identity_id, credits, identified_at,
      period_start
    FROM jsonb_to_recordset(${json(made)}::jsonb) AS x(id uuid, partner_id uuid,
      organization_id uuid, visitor_id uuid, identity_id uuid, credits bigint,
      identified_at timestamptz, period_start timestamptz)
    ON CONFLICT DO NOTHING`.execute(trx);
}

/** An email no source knew is kept as self-declared, never over one the source resolved. */
async function keepHints(
  trx: Tx,
  hinted: { pending: PendingEvent }[],
  visitors: Map<string, { id: string }>,
) {
  if (hinted.length === 0) return;
  const rows = hinted.map(({ pending }) => ({
    id: defined(visitors.get(visitorOf(pending)), 'the visitor').id,
    email: pending.hint,
  }));
  await sql`
    UPDATE visitors v SET email = x.email, email_source = 'page'
    FROM jsonb_to_recordset(${json(rows)}::jsonb) AS x(id uuid, email text)
    WHERE v.id = x.id AND v.id = ANY(${rows.map((r) => r.id)}::uuid[])
      AND (v.email_source IS NULL OR v.email_source = 'page')`.execute(trx);
}

const utcDay = (now: Date) => now.toISOString().slice(0, 10);

/** Counts the batch's events per organization and day, one counter row each. */
async function countAccepted(trx: Tx, batch: PendingEvent[]) {
  const counters = new Map<
    string,
    { organization_id: string; partner_id: string; day: string; events: number; at: Date }
  >();
  for (const { org, now } of batch) {
    const key = `${org.id}\u0000${utcDay(now)}`;
    const counter = counters.get(key);
    if (counter) {
      counter.events += 1;
      if (now > counter.at) counter.at = now;
    } else
      counters.set(key, {
        organization_id: org.id,
        partner_id: org.partner_id,
        day: utcDay(now),
        events: 1,
        at: now,
      });
  }
  const rows = [...counters.entries()]
    .sort(([a], [b]) => byText(a, b))
    .map(([, counter]) => ({
      ...counter,
      shard: Math.floor(Math.random() * PIXEL_COUNTER_SHARDS),
    }));
  await sql`
    INSERT INTO pixel_daily AS d (organization_id, partner_id, day, shard, events, refused, bots,
      last_event_at)
    SELECT organization_id, partner_id, day, shard, events, 0, 0, at
    FROM jsonb_to_recordset(${json(rows)}::jsonb) AS x(organization_id uuid,
      partner_id uuid, day date, shard int, events int, at timestamptz, n int)
    ORDER BY n
    ON CONFLICT (organization_id, day, shard) DO UPDATE SET
      events = d.events + excluded.events,
      last_event_at = greatest(d.last_event_at, excluded.last_event_at)`.execute(trx);
}
