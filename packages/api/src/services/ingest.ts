import { sql } from 'kysely';
import type { Db } from '@allot/db';
import {
  identityFor,
  identityKey,
  originAllowed,
  periodContaining,
  type IngestEvent,
} from '@allot/domain';
import type { IdentityResolver } from './identity/resolver.ts';
import { isBotEvent } from './bots.ts';
import type { EventWriter } from './event-writer.ts';
import { identifiedIn, PIXEL_COUNTER_SHARDS } from './ingest-batch.ts';
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

const utcDay = (now: Date) => now.toISOString().slice(0, 10);

/** Counts a refused event or a bot's per organization and day; neither is stored. */
async function countEvent(db: Db, org: PixelOrganization, now: Date, kind: 'refused' | 'bot') {
  await db
    .insertInto('pixel_daily')
    .values({
      organization_id: org.id,
      partner_id: org.partner_id,
      day: utcDay(now),
      shard: Math.floor(Math.random() * PIXEL_COUNTER_SHARDS),
      events: 0,
      refused: kind === 'refused' ? 1 : 0,
      bots: kind === 'bot' ? 1 : 0,
      last_event_at: null,
    })
    .onConflict((oc) =>
      oc.columns(['organization_id', 'day', 'shard']).doUpdateSet({
        refused: sql`pixel_daily.refused + excluded.refused`,
        bots: sql`pixel_daily.bots + excluded.bots`,
      }),
    )
    .execute();
}

/**
 * One pixel event: checks the key, the organization's status and the page's origin, records the
 * visit and engagement, and identifies a visitor not yet identified this period, charging one
 * credit. Refusals write no visitor data. Identity is resolved before the event is written, so a
 * slow identity source never holds a row lock; the writer writes it with the events around it
 * (event-writer.ts) and answers once they have committed. `admit` is asked only once the event
 * would be accepted (the pixel's per-key rate limit): a refused event never uses up a key's
 * budget.
 */
export async function ingestEvent(
  db: Db,
  resolver: IdentityResolver,
  writer: EventWriter,
  event: IngestEvent,
  source: EventSource,
  now: Date,
  admit: () => Promise<boolean> = () => Promise.resolve(true),
): Promise<IngestOutcome> {
  const org = await pixelOrganization(db, event.k);
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
  return {
    accepted: true,
    identified: await writer.write({
      org,
      event,
      ip: source.ip,
      now,
      chargePeriod,
      identity,
      identityKey: identity && identityKey(identity),
      hint,
    }),
  };
}
