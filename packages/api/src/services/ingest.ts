import { sql } from 'kysely';
import { inTransaction, type Db, type Tx } from '@allot/db';
import {
  identificationReference,
  identityFor,
  identityKey,
  defined,
  matchingProfiles,
  originAllowed,
  periodContaining,
  SESSION_IDLE_MS,
  type Identity,
  type IngestEvent,
} from '@allot/domain';
import { newId } from '../ids.ts';
import { profilesOf } from './icp.ts';
import type { IdentityResolver } from './identity/resolver.ts';
import { consumeCredits } from './ledger/consume.ts';
import { isBotEvent } from './bots.ts';
import { chargeWindows, countCharge, reportRefusal } from './charge-guards.ts';
import { refreshPeriods } from './ledger/renewal.ts';
import { pixelOrganization, type PixelOrganization } from './pixel-organizations.ts';

/** Where an event came from, as the transport saw it. */
export interface EventSource {
  ip: string;
  userAgent: string | null;
  /** The request's Origin, or the origin of its Referer; null when it sent neither. */
  origin: string | null;
}

export type IngestOutcome =
  /** `bot`: counted as a bot's, nothing stored. */
  | { accepted: true; identified: boolean; bot?: true }
  | {
      accepted: false;
      reason: 'unknown_key' | 'organization_inactive' | 'referrer_not_allowed' | 'rate_limited';
    };

/** A visitor's views are kept for this many distinct paths; later new paths are not counted. */
export const MAX_TRACKED_PAGES = 100;
const MAX_PATH_LENGTH = 300;

function organizationByKey(db: Db, key: string): Promise<PixelOrganization | undefined> {
  return pixelOrganization(db, key);
}

const utcDay = (now: Date) => now.toISOString().slice(0, 10);

/**
 * Rows per organization and day that events are counted on, one picked at random per event: an
 * event's transaction holds its counter row until it commits, so a single row would make every
 * event of a busy site wait for the previous one's commit.
 */
export const PIXEL_COUNTER_SHARDS = 16;

/** Counts an event per organization and day; refusals and bots are counted, never stored. */
async function countEvent(
  db: Db | Tx,
  org: PixelOrganization,
  now: Date,
  kind: 'accepted' | 'refused' | 'bot',
) {
  const accepted = kind === 'accepted';
  await db
    .insertInto('pixel_daily')
    .values({
      organization_id: org.id,
      partner_id: org.partner_id,
      day: utcDay(now),
      shard: Math.floor(Math.random() * PIXEL_COUNTER_SHARDS),
      events: accepted ? 1 : 0,
      refused: kind === 'refused' ? 1 : 0,
      bots: kind === 'bot' ? 1 : 0,
      last_event_at: accepted ? now : null,
    })
    .onConflict((oc) =>
      oc.columns(['organization_id', 'day', 'shard']).doUpdateSet({
        events: sql`pixel_daily.events + excluded.events`,
        refused: sql`pixel_daily.refused + excluded.refused`,
        bots: sql`pixel_daily.bots + excluded.bots`,
        last_event_at: sql`coalesce(excluded.last_event_at, pixel_daily.last_event_at)`,
      }),
    )
    .execute();
}

function pathOf(url: string): string {
  return new URL(url).pathname.slice(0, MAX_PATH_LENGTH);
}

/** Records the visit: a new visitor or one more event on a known one. Returns the row, locked. */
async function upsertVisitor(trx: Tx, org: PixelOrganization, event: IngestEvent, now: Date) {
  const pageview = event.e === 'pageview';
  const path = pageview ? pathOf(event.u) : null;
  return await sql<{ id: string; identified_period_start: Date | null }>`
    INSERT INTO visitors AS v (id, partner_id, organization_id, client_id, first_seen_at,
      last_seen_at, page_views, sessions, engaged_seconds, pages)
    VALUES (${newId()}, ${org.partner_id}, ${org.id}, ${event.v}, ${now}, ${now},
      ${pageview ? 1 : 0}, 1, ${event.s ?? 0},
      CASE WHEN ${path}::text IS NULL THEN '{}'::jsonb ELSE jsonb_build_object(${path}::text, 1) END)
    ON CONFLICT (organization_id, client_id) DO UPDATE SET
      last_seen_at = greatest(v.last_seen_at, excluded.last_seen_at),
      -- A page view after ${sql.lit(SESSION_IDLE_MS / 60_000)} idle minutes starts a new session.
      sessions = v.sessions + (${pageview}::boolean
        AND excluded.last_seen_at - v.last_seen_at > ${`${SESSION_IDLE_MS} milliseconds`}::interval)::int,
      page_views = v.page_views + excluded.page_views,
      engaged_seconds = v.engaged_seconds + excluded.engaged_seconds,
      pages = CASE
        WHEN ${path}::text IS NULL THEN v.pages
        WHEN v.pages ? ${path}::text OR (SELECT count(*) FROM jsonb_object_keys(v.pages)) < ${MAX_TRACKED_PAGES}
          THEN jsonb_set(v.pages, ARRAY[${path}::text],
            to_jsonb(coalesce((v.pages ->> ${path}::text)::bigint, 0) + 1))
        ELSE v.pages END
    RETURNING v.id, v.identified_period_start`
    .execute(trx)
    .then((result) => defined(result.rows[0], 'the upserted visitor'));
}

/**
 * The organization's row for an identity, made on first sight. Outside the event's transaction
 * and lock-free: two events seeing one new identity at once make one row, and a row whose
 * event then fails charges nothing.
 */
async function identityOf(db: Db, org: PixelOrganization, key: string, now: Date) {
  const made = await db
    .insertInto('identities')
    .values({
      id: newId(),
      partner_id: org.partner_id,
      organization_id: org.id,
      key,
      created_at: now,
    })
    .onConflict((oc) => oc.constraint('identities_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (made) return made.id;
  const found = await db
    .selectFrom('identities')
    .select('id')
    .where('organization_id', '=', org.id)
    .where('key', '=', key)
    .executeTakeFirstOrThrow();
  return found.id;
}

/**
 * Charges one credit for an identity in a period, at most once (the natural key), and within the
 * organization's charge guards: a charge a guard refuses is undone with its counts (a savepoint
 * around the two), and the partner is told once per window. Returns the charge, or null when a
 * guard refused it.
 */
async function charge(
  trx: Tx,
  org: PixelOrganization,
  visitorId: string,
  identityId: string,
  period: { start: Date; end: Date },
  ip: string,
  now: Date,
) {
  const windows = chargeWindows(org, period, ip, now);
  if (windows.length > 0) await sql`SAVEPOINT charge`.execute(trx);
  const result = await consumeCredits(
    trx,
    {
      organizationId: org.id,
      // The natural key: another browser of the identity, a retry, a second process or a
      // replayed event finds it claimed and is never charged again in the period.
      idempotencyKey: `identification:${identityId}:${period.start.toISOString()}`,
      reference: identificationReference(identityId, visitorId),
    },
    now,
  );
  // A replay is no new identification: it counts in no window.
  if (!result.granted || result.replayed || windows.length === 0) return result;
  const refused = await countCharge(trx, org.id, windows);
  if (refused === null) return result;
  await sql`ROLLBACK TO SAVEPOINT charge`.execute(trx);
  await reportRefusal(trx, org, refused);
  return null;
}

/**
 * Identifies the visitor as `identity`, charging one credit per identity and period: the first
 * visitor (browser, cookie, device) of an identity in a period pays, every other one is linked
 * to it for nothing.
 */
async function identify(
  trx: Tx,
  org: PixelOrganization,
  visitorId: string,
  identity: Identity,
  identityId: string,
  period: { start: Date; end: Date },
  ip: string,
  now: Date,
): Promise<boolean> {
  const result = await charge(trx, org, visitorId, identityId, period, ip, now);
  // Without credits (outside usage_based), or past a guard, the visit stays unidentified.
  if (result === null || !result.granted) return false;

  const { company, person } = identity;
  const profiles = company ? await profilesOf(trx, org.id) : [];
  await trx
    .updateTable('visitors')
    .set({
      identified_at: now,
      identified_period_start: period.start,
      identity_id: identityId,
      ...(company && {
        company_name: company.name,
        company_domain: company.domain ?? null,
        industry: company.industry ?? null,
        employee_count: company.employeeCount ?? null,
        revenue: company.revenue ?? null,
        country: company.country ?? null,
        icp_profile_ids: matchingProfiles(profiles, company),
      }),
      ...(person && {
        email: person.email ?? null,
        email_source: person.email ? ('identity' as const) : null,
        first_name: person.firstName ?? null,
        last_name: person.lastName ?? null,
        title: person.title ?? null,
        linkedin_url: person.linkedinUrl ?? null,
      }),
    })
    .where('id', '=', visitorId)
    .execute();
  // One identification per identity and period: the charge's own transaction wrote it.
  if (result.replayed) return true;
  await trx
    .insertInto('identifications')
    .values({
      id: newId(),
      partner_id: org.partner_id,
      organization_id: org.id,
      visitor_id: visitorId,
      identity_id: identityId,
      credits: result.charged + result.overage,
      identified_at: now,
      period_start: period.start,
    })
    .onConflict((oc) => oc.doNothing())
    .execute();
  return true;
}

const identifiedIn = (periodStart: Date, identifiedPeriod: Date | null | undefined) =>
  identifiedPeriod != null && identifiedPeriod.getTime() >= periodStart.getTime();

/**
 * One pixel event: checks the key, the organization's status and the page's origin, records the
 * visit and engagement, and identifies a visitor not yet identified this period, charging one
 * credit. Refusals write no visitor data. Identity is resolved before the transaction opens, so a
 * slow identity source never holds a row lock. `admit` is asked only once the event would be
 * accepted (the pixel's per-key rate limit): a refused event never uses up a key's budget.
 */
export async function ingestEvent(
  db: Db,
  resolver: IdentityResolver,
  event: IngestEvent,
  source: EventSource,
  now: Date,
  admit: () => Promise<boolean> = () => Promise.resolve(true),
): Promise<IngestOutcome> {
  const org = await organizationByKey(db, event.k);
  if (!org) return { accepted: false, reason: 'unknown_key' };
  if (org.status !== 'active') {
    await countEvent(db, org, now, 'refused');
    return { accepted: false, reason: 'organization_inactive' };
  }
  if (source.origin === null || !originAllowed(source.origin, org.allowed_referrers)) {
    await countEvent(db, org, now, 'refused');
    return { accepted: false, reason: 'referrer_not_allowed' };
  }
  // A bot is answered as if accepted (nothing to learn from the answer) and only counted.
  if (isBotEvent(event, source.userAgent)) {
    await countEvent(db, org, now, 'bot');
    return { accepted: true, identified: false, bot: true };
  }
  if (!(await admit())) return { accepted: false, reason: 'rate_limited' };

  // Renewed before the event's transaction, never inside it: renewing takes the partner's lock,
  // which must come before the visitor's and the account's (the lock order). The renewed
  // period is the one charged; otherwise the one charged since creation or the last renewal,
  // which a billing-cycle change leaves as it was.
  const ended = org.period_end.getTime() <= now.getTime();
  if (ended) await refreshPeriods(db, org.partner_id, now);
  const chargePeriod = ended
    ? periodContaining(now, {
        period: org.billing_period,
        dayOfMonth: org.billing_day_of_month,
        anchor: org.billing_anchor,
      })
    : { start: org.charge_period_start, end: org.period_end };
  const chargeStart = chargePeriod.start;
  const known = await db
    .selectFrom('visitors')
    .select('identified_period_start')
    .where('organization_id', '=', org.id)
    .where('client_id', '=', event.v)
    .executeTakeFirst();
  // On a B2C site an email the page hands over is a hint for the source, not an identity: only
  // a person the source knows by it is identified (and charged).
  const hint = org.product_type === 'B2C' && event.e === 'identify' ? (event.m ?? null) : null;
  const identity = identifiedIn(chargeStart, known?.identified_period_start)
    ? null
    : identityFor(org.product_type, await resolver.resolve(source.ip, source.userAgent, hint));
  const key = identity && identityKey(identity);
  const identityId = key ? await identityOf(db, org, key, now) : null;

  return await inTransaction(db, async (trx) => {
    const visitor = await upsertVisitor(trx, org, event, now);
    // Decided again under the visitor's row lock: a concurrent event may have identified it.
    const identified =
      identity !== null &&
      identityId !== null &&
      !identifiedIn(chargeStart, visitor.identified_period_start) &&
      (await identify(trx, org, visitor.id, identity, identityId, chargePeriod, source.ip, now));
    // An email no source knew is kept as self-declared, never over one the source resolved.
    if (hint !== null && !identified)
      await trx
        .updateTable('visitors')
        .set({ email: hint, email_source: 'page' })
        .where('id', '=', visitor.id)
        .where((eb) => eb.or([eb('email_source', 'is', null), eb('email_source', '=', 'page')]))
        .execute();
    await countEvent(trx, org, now, 'accepted');
    return { accepted: true, identified };
  });
}
