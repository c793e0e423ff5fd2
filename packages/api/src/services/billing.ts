import type { Db, Tx } from '@allot/db';
import { drawsFromPool, resolveDateRange, type DateRangeInput } from '@allot/domain';
import { sql } from 'kysely';
import { badRequest, notFound } from '../errors.ts';
import { refreshPeriods } from './periods.ts';

async function currentPartner(db: Db | Tx, partnerId: string, now: Date) {
  await refreshPeriods(db, partnerId, now);
  const partner = await db
    .selectFrom('partners')
    .selectAll()
    .where('id', '=', partnerId)
    .executeTakeFirst();
  if (!partner) throw notFound('Partner');
  return partner;
}

/** Credits and identification events of a partner in `[from, until)`. */
async function consumption(db: Db | Tx, partnerId: string, from: Date, until: Date) {
  const row = await db
    .selectFrom('identifications')
    .select((eb) => [
      eb.fn.coalesce(eb.fn.sum<string>('credits'), sql<string>`0`).as('credits'),
      eb.fn.countAll<string>().as('events'),
    ])
    .where('partner_id', '=', partnerId)
    .where('identified_at', '>=', from)
    .where('identified_at', '<', until)
    .executeTakeFirstOrThrow();
  return { credits: Number(row.credits), events: Number(row.events) };
}

function dateRange(input: DateRangeInput, now: Date) {
  const range = resolveDateRange(input, now);
  if (!range.ok) throw badRequest(range.violation.code, range.violation.message);
  return range.value;
}

export async function getBilling(db: Db | Tx, partnerId: string, now: Date) {
  const partner = await currentPartner(db, partnerId, now);
  const used = await consumption(db, partnerId, partner.pool_period_start, partner.pool_period_end);
  const pool = drawsFromPool(partner.billing_mode);
  return {
    billingMode: partner.billing_mode,
    billingPeriod: partner.billing_period,
    billingDayOfMonth: partner.billing_day_of_month,
    currentPeriod: {
      start: partner.pool_period_start.toISOString(),
      end: partner.pool_period_end.toISOString(),
    },
    creditPoolTotal: pool ? partner.pool_total : null,
    creditsAllocated: pool ? partner.pool_allocated : null,
    creditsUnallocated: pool ? partner.pool_total - partner.pool_allocated : null,
    creditsUsed: used.credits,
    creditsRemaining: pool ? partner.pool_total - used.credits : null,
  };
}

/** Consumption in the partner's current billing period, in total and per organization that consumed. */
export async function getBillingUsage(db: Db | Tx, partnerId: string, now: Date) {
  const partner = await currentPartner(db, partnerId, now);
  const from = partner.pool_period_start;
  const until = partner.pool_period_end;
  const [total, perOrganization] = await Promise.all([
    consumption(db, partnerId, from, until),
    db
      .selectFrom('identifications as i')
      .innerJoin('organizations as o', 'o.id', 'i.organization_id')
      .select((eb) => ['o.id', 'o.name', eb.fn.sum<string>('i.credits').as('credits')])
      .where('i.partner_id', '=', partnerId)
      .where('i.identified_at', '>=', from)
      .where('i.identified_at', '<', until)
      .groupBy(['o.id', 'o.name'])
      .orderBy('credits', 'desc')
      .execute(),
  ]);
  return {
    periodStart: from.toISOString(),
    periodEnd: until.toISOString(),
    creditsConsumed: total.credits,
    identifications: total.events,
    organizations: perOrganization.map((row) => ({
      organizationId: row.id,
      name: row.name,
      creditsConsumed: Number(row.credits),
    })),
  };
}

export async function getUsageSummary(
  db: Db | Tx,
  partnerId: string,
  input: DateRangeInput,
  now: Date,
) {
  const range = dateRange(input, now);
  const used = await consumption(db, partnerId, range.from, range.until);
  return {
    startDate: range.startDate,
    endDate: range.endDate,
    totalQuantity: used.credits,
    totalEvents: used.events,
  };
}

export async function getAnalytics(
  db: Db | Tx,
  partnerId: string,
  input: DateRangeInput,
  now: Date,
) {
  const range = dateRange(input, now);
  await refreshPeriods(db, partnerId, now);
  const [organizations, used] = await Promise.all([
    db
      .selectFrom('organizations')
      .select((eb) => [
        eb.fn.countAll<string>().as('total'),
        eb.fn.count<string>('id').filterWhere('status', '=', 'active').as('active'),
        eb.fn
          .coalesce(
            eb.fn.sum<string>(sql`greatest(credits_allocated - credits_consumed, 0)`),
            sql<string>`0`,
          )
          .as('remaining'),
        eb.fn.coalesce(eb.fn.sum<string>('credits_consumed'), sql<string>`0`).as('used'),
      ])
      .where('partner_id', '=', partnerId)
      .executeTakeFirstOrThrow(),
    consumption(db, partnerId, range.from, range.until),
  ]);
  return {
    startDate: range.startDate,
    endDate: range.endDate,
    totalOrganizations: Number(organizations.total),
    activeOrganizations: Number(organizations.active),
    totalIdentifications: used.events,
    creditsRemaining: Number(organizations.remaining),
    creditsUsed: Number(organizations.used),
  };
}
