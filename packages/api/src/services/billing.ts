import type { Db, Tx } from '@allot/db';
import {
  DEFAULT_CREDIT_TYPE,
  defined,
  drawsFromPool,
  LOW_BALANCE_SHARE,
  MAX_SERIES_DAYS,
  resolveDateRange,
  type DateRangeInput,
} from '@allot/domain';
import { sql } from 'kysely';
import { badRequest } from '../errors.ts';
import { spendable, spendableRemaining } from './ledger/blocks.ts';
import { poolState } from './ledger/pool.ts';
import { expireDueCredits } from './upkeep.ts';
import { readPartner } from './partners.ts';
import { renewsFirst } from './renew-on-read.ts';

/**
 * What moved through a partner's organizations in `[from, until)`, read from the ledger and
 * grouped by organization: consumed (what flowed into the consumption sinks: consumptions and
 * amendments, net), of it overage, granted (grants and top-ups) and expired.
 */
function movementsBy(db: Db | Tx, partnerId: string, from: Date, until: Date) {
  const total = (filter: string) =>
    sql<string>`coalesce(sum(amount) FILTER (WHERE ${sql.raw(filter)}), 0)`;
  return db
    .selectFrom('entries')
    .select([
      'organization_id',
      total(`account_kind = 'consumption'`).as('consumed'),
      total(`account_kind = 'organization' AND type = 'overage'`).as('overage'),
      total(`account_kind = 'organization' AND type = 'increment'`).as('granted'),
      sql<string>`-${total(`account_kind = 'organization' AND type = 'expiration'`)}`.as('expired'),
    ])
    .where('partner_id', '=', partnerId)
    .where('credit_type', '=', DEFAULT_CREDIT_TYPE)
    .where('created_at', '>=', from)
    .where('created_at', '<', until)
    .where((eb) =>
      eb.or([
        eb('account_kind', '=', 'consumption'),
        eb.and([
          eb('account_kind', '=', 'organization'),
          eb('type', 'in', ['overage', 'increment', 'expiration']),
        ]),
      ]),
    )
    .groupBy('organization_id');
}

/**
 * Pixel events accepted, and bots' events, in `[from, until)`: counted per UTC day (ranges here
 * are whole days).
 */
async function pixelEvents(db: Db | Tx, partnerId: string, from: Date, until: Date) {
  const row = await db
    .selectFrom('pixel_daily')
    .select([
      sql<string>`coalesce(sum(events), 0)`.as('events'),
      sql<string>`coalesce(sum(bots), 0)`.as('bots'),
    ])
    .where('partner_id', '=', partnerId)
    .where('day', '>=', from.toISOString().slice(0, 10))
    .where('day', '<', until.toISOString().slice(0, 10))
    .executeTakeFirstOrThrow();
  return { events: Number(row.events), bots: Number(row.bots) };
}

async function consumption(db: Db | Tx, partnerId: string, from: Date, until: Date) {
  const [rows, identified] = await Promise.all([
    movementsBy(db, partnerId, from, until).execute(),
    db
      .selectFrom('identifications')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .where('partner_id', '=', partnerId)
      .where('identified_at', '>=', from)
      .where('identified_at', '<', until)
      .executeTakeFirstOrThrow(),
  ]);
  const sum = (pick: (row: (typeof rows)[number]) => string) =>
    rows.reduce((total, row) => total + Number(pick(row)), 0);
  return {
    credits: sum((r) => r.consumed),
    overage: sum((r) => r.overage),
    granted: sum((r) => r.granted),
    expired: sum((r) => r.expired),
    identifications: Number(identified.count),
  };
}

function dateRange(input: DateRangeInput, now: Date) {
  const range = resolveDateRange(input, now);
  if (!range.ok) throw badRequest(range.violation.code, range.violation.message);
  return range.value;
}

/** The partner's pool this period: its total and what is still undrawn. */
async function pool(db: Db | Tx, partnerId: string, now: Date) {
  const account = await db
    .selectFrom('accounts')
    .selectAll()
    .where('partner_id', '=', partnerId)
    .where('organization_id', 'is', null)
    .where('kind', '=', 'pool')
    .where('credit_type', '=', DEFAULT_CREDIT_TYPE)
    .executeTakeFirst();
  return account ? poolState(db, account, now) : { total: 0, available: 0 };
}

export const getBilling = renewsFirst(async function getBilling(
  db: Db | Tx,
  partnerId: string,
  now: Date,
) {
  const partner = await readPartner(db, partnerId);
  const [used, drawn] = await Promise.all([
    consumption(db, partnerId, partner.pool_period_start, partner.pool_period_end),
    pool(db, partnerId, now),
  ]);
  const pooled = drawsFromPool(partner.billing_mode);
  return {
    billingMode: partner.billing_mode,
    billingPeriod: partner.billing_period,
    billingDayOfMonth: partner.billing_day_of_month,
    currentPeriod: {
      start: partner.pool_period_start.toISOString(),
      end: partner.pool_period_end.toISOString(),
    },
    creditPoolTotal: pooled ? drawn.total : null,
    creditsAllocated: pooled ? drawn.total - drawn.available : null,
    creditsUnallocated: pooled ? drawn.available : null,
    creditsUsed: used.credits,
    overage: used.overage,
    creditsRemaining: pooled ? drawn.total - used.credits : null,
  };
});

/**
 * Consumption in the partner's current billing period, in total and per organization that
 * consumed, with what was granted and what expired (lapsed credits are written down first).
 */
export const getBillingUsage = renewsFirst(async function getBillingUsage(
  db: Db | Tx,
  partnerId: string,
  now: Date,
) {
  const partner = await readPartner(db, partnerId);
  await expireDueCredits(db, now, { partnerId });
  const from = partner.pool_period_start;
  const until = partner.pool_period_end;
  const [total, perOrganization] = await Promise.all([
    consumption(db, partnerId, from, until),
    db
      .with('used', () => movementsBy(db, partnerId, from, until))
      .selectFrom('used')
      .innerJoin('organizations as o', 'o.id', 'used.organization_id')
      .select(['o.id', 'o.name', 'used.consumed', 'used.overage'])
      .where(sql<boolean>`used.consumed::bigint <> 0`)
      .orderBy(sql`used.consumed::bigint`, 'desc')
      .orderBy('o.id')
      .execute(),
  ]);
  return {
    periodStart: from.toISOString(),
    periodEnd: until.toISOString(),
    creditsConsumed: total.credits,
    overage: total.overage,
    creditsGranted: total.granted,
    creditsExpired: total.expired,
    identifications: total.identifications,
    organizations: perOrganization.map((row) => ({
      organizationId: row.id,
      name: row.name,
      creditsConsumed: Number(row.consumed),
      overage: Number(row.overage),
    })),
  };
});

export async function getUsageSummary(
  db: Db | Tx,
  partnerId: string,
  input: DateRangeInput,
  now: Date,
) {
  const range = dateRange(input, now);
  const [used, beacons] = await Promise.all([
    consumption(db, partnerId, range.from, range.until),
    pixelEvents(db, partnerId, range.from, range.until),
  ]);
  return {
    startDate: range.startDate,
    endDate: range.endDate,
    totalQuantity: used.credits,
    // The seed's name for identifications.
    totalEvents: used.identifications,
    totalOverage: used.overage,
    pixelEvents: beacons.events,
    bots: beacons.bots,
  };
}

export const getAnalytics = renewsFirst(async function getAnalytics(
  db: Db | Tx,
  partnerId: string,
  input: DateRangeInput,
  now: Date,
) {
  const range = dateRange(input, now);
  const [organizations, credits, used, events] = await Promise.all([
    db
      .selectFrom('organizations')
      .select((eb) => [
        eb.fn.countAll<string>().as('total'),
        eb.fn.count<string>('id').filterWhere('status', '=', 'active').as('active'),
      ])
      .where('partner_id', '=', partnerId)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('accounts as a')
      .select((eb) => [
        sql<string>`coalesce(sum(a.period_consumed), 0)`.as('used'),
        eb.fn
          .coalesce(
            eb
              .selectFrom('blocks')
              .innerJoin('accounts as x', 'x.id', 'blocks.account_id')
              .select(sql<string>`sum(blocks.remaining)`.as('v'))
              .where('x.partner_id', '=', partnerId)
              .where('x.kind', '=', 'organization')
              .where('x.credit_type', '=', DEFAULT_CREDIT_TYPE)
              .where(spendable(now)),
            sql<string>`0`,
          )
          .as('remaining'),
      ])
      .where('a.partner_id', '=', partnerId)
      .where('a.kind', '=', 'organization')
      .where('a.credit_type', '=', DEFAULT_CREDIT_TYPE)
      .executeTakeFirstOrThrow(),
    consumption(db, partnerId, range.from, range.until),
    pixelEvents(db, partnerId, range.from, range.until),
  ]);
  return {
    startDate: range.startDate,
    endDate: range.endDate,
    totalOrganizations: Number(organizations.total),
    activeOrganizations: Number(organizations.active),
    totalIdentifications: used.identifications,
    pixelEvents: events.events,
    bots: events.bots,
    creditsRemaining: Number(credits.remaining),
    creditsUsed: Number(credits.used),
  };
});

const DAY_MS = 86_400_000;

/**
 * Identifications and identification credits consumed per UTC day of a range (every day, zeros
 * included), and the same per organization over the whole range: the charts of the dashboard
 * and the usage screen. Ranges are capped at MAX_SERIES_DAYS.
 */
export async function getDailyUsage(
  db: Db | Tx,
  partnerId: string,
  input: DateRangeInput,
  now: Date,
) {
  const range = dateRange(input, now);
  const dayCount = Math.round((range.until.getTime() - range.from.getTime()) / DAY_MS);
  if (dayCount > MAX_SERIES_DAYS)
    throw badRequest('invalid_date_range', `A series covers at most ${MAX_SERIES_DAYS} days`);
  const day = (column: string) =>
    sql<string>`to_char(${sql.ref(column)} AT TIME ZONE 'UTC', 'YYYY-MM-DD')`;
  const [identified, consumed] = await Promise.all([
    db
      .selectFrom('identifications')
      .select([
        'organization_id',
        day('identified_at').as('day'),
        (eb) => eb.fn.countAll<string>().as('count'),
      ])
      .where('partner_id', '=', partnerId)
      .where('identified_at', '>=', range.from)
      .where('identified_at', '<', range.until)
      .groupBy(['organization_id', 'day'])
      .execute(),
    db
      .selectFrom('entries')
      .select([
        'organization_id',
        day('created_at').as('day'),
        sql<string>`sum(amount)`.as('credits'),
      ])
      .where('partner_id', '=', partnerId)
      .where('account_kind', '=', 'consumption')
      .where('credit_type', '=', DEFAULT_CREDIT_TYPE)
      .where('created_at', '>=', range.from)
      .where('created_at', '<', range.until)
      .groupBy(['organization_id', 'day'])
      .execute(),
  ]);

  const days = new Map<string, { identifications: number; creditsConsumed: number }>();
  for (let i = 0; i < dayCount; i += 1)
    days.set(new Date(range.from.getTime() + i * DAY_MS).toISOString().slice(0, 10), {
      identifications: 0,
      creditsConsumed: 0,
    });
  const perOrganization = new Map<string, { identifications: number; creditsConsumed: number }>();
  const organizationOf = (id: string | null) => {
    const key = id ?? '';
    let totals = perOrganization.get(key);
    if (!totals) perOrganization.set(key, (totals = { identifications: 0, creditsConsumed: 0 }));
    return totals;
  };
  for (const row of identified) {
    defined(days.get(row.day), `day ${row.day}`).identifications += Number(row.count);
    organizationOf(row.organization_id).identifications += Number(row.count);
  }
  for (const row of consumed) {
    defined(days.get(row.day), `day ${row.day}`).creditsConsumed += Number(row.credits);
    organizationOf(row.organization_id).creditsConsumed += Number(row.credits);
  }
  const ids = [...perOrganization.keys()].filter(Boolean);
  const names =
    ids.length === 0
      ? []
      : await db
          .selectFrom('organizations')
          .select(['id', 'name'])
          .where('id', 'in', ids)
          .execute();
  return {
    startDate: range.startDate,
    endDate: range.endDate,
    days: [...days].map(([date, totals]) => ({ date, ...totals })),
    organizations: names
      .map((row) => ({ organizationId: row.id, name: row.name, ...organizationOf(row.id) }))
      .filter((row) => row.identifications !== 0 || row.creditsConsumed !== 0)
      .sort(
        (a, b) =>
          b.creditsConsumed - a.creditsConsumed ||
          b.identifications - a.identifications ||
          a.name.localeCompare(b.name),
      ),
  };
}

/** How many organizations the low-balance list shows. */
const LOW_BALANCES_SHOWN = 10;

/**
 * Active organizations close to running out this period: what remains of their allocation is at
 * most LOW_BALANCE_SHARE of it (or nothing), the emptiest first, ties by name as a person reads
 * them (ICU's root collation, as `localeCompare`). Filtered, ordered and limited in SQL, so the
 * answer costs the same with ten organizations or a hundred thousand.
 */
export const getLowBalances = renewsFirst(async function getLowBalances(
  db: Db | Tx,
  partnerId: string,
  now: Date,
) {
  const held = db
    .selectFrom('organizations as o')
    .innerJoin('accounts as a', (join) =>
      join
        .onRef('a.organization_id', '=', 'o.id')
        .on('a.kind', '=', 'organization')
        .on('a.credit_type', '=', DEFAULT_CREDIT_TYPE),
    )
    .select([
      'o.id',
      'o.name',
      'a.period_credited as allocated',
      spendableRemaining(sql.ref('a.id'), now).as('remaining'),
    ])
    .where('o.partner_id', '=', partnerId)
    .where('o.status', '=', 'active')
    .where('a.period_credited', '>', 0);
  const rows = await db
    .selectFrom(held.as('h'))
    .selectAll()
    // The share is bound as numeric: exact, where a float product could round.
    .where(sql<boolean>`h.remaining <= h.allocated * ${String(LOW_BALANCE_SHARE)}::numeric`)
    .orderBy(sql`h.remaining::numeric / h.allocated`)
    .orderBy(sql`h.name COLLATE "und-x-icu"`)
    .orderBy('h.id')
    .limit(LOW_BALANCES_SHOWN)
    .$narrowType<{ remaining: number }>()
    .execute();
  return {
    organizations: rows.map((row) => ({
      organizationId: row.id,
      name: row.name,
      allocated: row.allocated,
      remaining: row.remaining,
    })),
  };
});
