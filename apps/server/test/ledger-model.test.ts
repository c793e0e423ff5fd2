import { services } from '@allot/api';
import type { Tx } from '@allot/db';
import {
  defined,
  AppError,
  BILLING_MODES,
  GRANT_STATUSES,
  type AccountKind,
  type BillingMode,
  type Grant,
  type GrantStatus,
  type RuleResult,
} from '@allot/domain';
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The reference model is test support built from the domain's own rules; the product never
// imports it.
import { accountKey, LedgerModel, type ModelBlock } from '@allot/test-support/ledger-model';
import { startTestServer, type TestServer } from './harness.ts';
import { DAY, HOUR, MINUTE } from './time.ts';

/**
 * Model-based test of the credit ledger: random sequences of grants, consumptions, voids,
 * amendments, expiry changes, allocation changes, status changes, deletions and restores, clock
 * advances (across period boundaries,
 * exactly onto an expiry and 1 ms either side) and so renewals, run against the pure model in
 * test-support and against the real services on PostgreSQL. After every step balances, every block's
 * remainder, the pool, and every entry of every account must match the model exactly; all
 * accounts sum to zero; nothing but issuance is negative; sequences run 1..n without gaps.
 */

let now = new Date('2027-01-01T00:00:00.000Z');
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ now: () => now });
});
afterAll(() => server.close());

// ------------------------------------------------------------------------------- the actions

type OrgPick = number;
type Action =
  | { t: 'allocate'; org: OrgPick; target: { credits: number } | { consumedPlus: number } }
  | {
      t: 'grant';
      org: OrgPick;
      amount: number;
      kind: 'promotional' | 'compensation' | 'purchased';
      priority: number;
      effectiveIn: number | null;
      expiresIn: number | null;
    }
  | { t: 'consume'; org: OrgPick; amount: number; key: string | null }
  | { t: 'void'; org: OrgPick; block: number }
  | { t: 'expiry'; org: OrgPick; block: number; expiresIn: number | null }
  | { t: 'amend'; org: OrgPick; amount: { credits: number } | { consumedPlus: number } }
  | { t: 'status'; org: OrgPick; enabled: boolean }
  | { t: 'remove'; org: OrgPick }
  | { t: 'advance'; ms: number }
  | { t: 'toBoundary'; offset: number }
  | { t: 'toExpiry'; block: number; offset: number };

const org = fc.nat({ max: 5 });
const offset = fc.constantFrom(-1, 0, 1);
/** Expiry offsets from now: in the past, a millisecond ahead, within the period, past it. */
const expiresIn = fc.constantFrom(-HOUR, 1, MINUTE, HOUR, 2 * DAY, 20 * DAY, 45 * DAY, 100 * DAY);

const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('allocate' as const),
      org,
      target: fc.oneof(
        fc.record({ credits: fc.integer({ min: 0, max: 650 }) }),
        fc.record({ consumedPlus: fc.integer({ min: -1, max: 1 }) }),
      ),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant('grant' as const),
      org,
      amount: fc.integer({ min: 1, max: 400 }),
      kind: fc.constantFrom('promotional' as const, 'compensation' as const, 'purchased' as const),
      priority: fc.constantFrom(0, 10, 50, 50, 100),
      effectiveIn: fc.constantFrom(null, null, null, -DAY, HOUR, 3 * DAY),
      expiresIn: fc.option(expiresIn, { freq: 3 }),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      t: fc.constant('consume' as const),
      org,
      amount: fc.integer({ min: 1, max: 150 }),
      key: fc.constantFrom(null, null, 'k1', 'k2'),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('void' as const), org, block: fc.nat(20) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('expiry' as const),
      org,
      block: fc.nat(20),
      expiresIn: fc.option(expiresIn, { freq: 4 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('amend' as const),
      org,
      amount: fc.oneof(
        fc.record({ credits: fc.integer({ min: -150, max: 150 }).filter((n) => n !== 0) }),
        fc.record({ consumedPlus: fc.integer({ min: 0, max: 1 }) }),
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ t: fc.constant('status' as const), org, enabled: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('remove' as const), org }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('advance' as const),
      ms: fc.constantFrom(1, HOUR, DAY, 10 * DAY, 20 * DAY, 35 * DAY, 70 * DAY),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('toBoundary' as const), offset }) },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant('toExpiry' as const), block: fc.nat(20), offset }),
  },
);

const setup = fc.record({
  start: fc.date({
    min: new Date('2027-01-01T00:00:00.000Z'),
    max: new Date('2027-12-31T23:59:59.999Z'),
    noInvalidDate: true,
  }),
  poolCredits: fc.integer({ min: 0, max: 1500 }),
  partnerDay: fc.constantFrom(1, 1, 10),
  orgs: fc.array(
    fc.record({
      tier: fc.constantFrom('trial' as const, 'paid' as const),
      allowance: fc.integer({ min: 0, max: 500 }),
      billingPeriod: fc.constantFrom('monthly' as const, 'monthly' as const, 'quarterly' as const),
      billingDayOfMonth: fc.constantFrom(1, 1, 15, 28),
    }),
    { minLength: 1, maxLength: 3 },
  ),
});
type Setup = typeof setup extends fc.Arbitrary<infer T> ? T : never;

// ------------------------------------------------------------------------------------ a run

interface Run {
  model: LedgerModel;
  partnerId: string;
  orgIds: string[];
  /** Model block id -> database block id, and back; built from creation order. */
  toDb: Map<string, string>;
  toModel: Map<string, string>;
  /** Ids the services answered when creating grants, checked against the mapping. */
  answered: Map<string, string>;
}

const tx = <T>(work: (trx: Tx) => Promise<T>) => server.db.transaction().execute(work);
const iso = (ms: number) => new Date(ms).toISOString();

type Outcome<T> = { ok: true; value: T } | { ok: false; code: string };

/** A service call's outcome: its value, or the application code of its refusal. */
async function attempt<T>(call: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await call() };
  } catch (error) {
    if (error instanceof AppError) return { ok: false, code: error.code };
    throw error;
  }
}

/** The database refused exactly when, and with the code, the model did. */
function expectSameOutcome<T>(expected: RuleResult<unknown>, actual: Outcome<T>): T | undefined {
  expect(
    actual.ok ? 'ok' : actual.code,
    expected.ok ? 'the service refused where the model did not' : 'the service did not refuse',
  ).toBe(expected.ok ? 'ok' : expected.violation.code);
  return actual.ok ? actual.value : undefined;
}

async function begin(mode: BillingMode, s: Setup): Promise<Run> {
  now = s.start;
  const { partner } = await server.createPartner({
    billingMode: mode,
    poolCredits: s.poolCredits,
    billingDayOfMonth: s.partnerDay,
  });
  const model = new LedgerModel({
    mode,
    poolCredits: s.poolCredits,
    billingDayOfMonth: s.partnerDay,
    now,
  });
  const orgIds: string[] = [];
  for (const [i, o] of s.orgs.entries()) {
    const { organization } = await tx((trx) =>
      services.createOrganization(
        trx,
        partner.id,
        {
          name: `Org ${i}`,
          tier: o.tier,
          creditAllowance: o.allowance,
          billingPeriod: o.billingPeriod,
          billingDayOfMonth: o.billingDayOfMonth,
        },
        now,
      ),
    );
    const added = model.addOrganization({
      id: organization.id,
      tier: o.tier,
      creditAllowance: o.allowance,
      billingPeriod: o.billingPeriod,
      billingDayOfMonth: o.billingDayOfMonth,
    });
    expect(added.ok).toBe(true);
    orgIds.push(organization.id);
  }
  return {
    model,
    partnerId: partner.id,
    orgIds,
    toDb: new Map(),
    toModel: new Map(),
    answered: new Map(),
  };
}

/** The model's blocks of an organization, in creation order. */
const blocksOf = (run: Run, organizationId: string) =>
  run.model.blocks.filter((b) => b.account === accountKey(organizationId, 'organization'));

const pick = <T>(items: readonly T[], n: number): T | undefined =>
  items.length === 0 ? undefined : items[n % items.length];

function moveClock(run: Run, to: number) {
  const target = new Date(Math.max(to, now.getTime()));
  run.model.advanceTo(target);
  now = target;
}

/** A grant as the service answers it, in the model's terms (its id is the model's). */
const grantView = (g: Grant, id: string | undefined) => ({
  id,
  kind: g.kind,
  amount: g.amount,
  remaining: g.remaining,
  status: g.status,
  priority: g.priority,
  effectiveAt: g.effectiveAt,
  expiresAt: g.expiresAt,
  createdAt: g.createdAt,
});

/** Applies one action to the model and to the services, and compares their answers. */
async function apply(run: Run, a: Action): Promise<void> {
  const { model, partnerId } = run;
  const orgId = 'org' in a ? defined(pick(run.orgIds, a.org), 'the organization') : '';
  switch (a.t) {
    case 'allocate': {
      const state = model.organizationState(orgId);
      const target =
        'credits' in a.target
          ? a.target.credits
          : Math.max(0, state.allocationConsumed + a.target.consumedPlus);
      const expected = model.setAllocation(orgId, target);
      const actual = await attempt(() =>
        tx((trx) => services.setOrganizationCredits(trx, partnerId, orgId, target, now)),
      );
      const answered = expectSameOutcome(expected, actual);
      if (expected.ok) expect(answered?.organization.credits).toBe(target);
      return;
    }
    case 'grant': {
      const effectiveAt = a.effectiveIn === null ? undefined : now.getTime() + a.effectiveIn;
      const expiresAt = a.expiresIn === null ? null : now.getTime() + a.expiresIn;
      const expected = model.createGrant(orgId, {
        amount: a.amount,
        kind: a.kind,
        priority: a.priority,
        ...(effectiveAt === undefined ? {} : { effectiveAt: new Date(effectiveAt) }),
        expiresAt: expiresAt === null ? null : new Date(expiresAt),
      });
      const actual = await attempt(() =>
        tx((trx) =>
          services.createGrant(
            trx,
            partnerId,
            {
              organizationId: orgId,
              amount: a.amount,
              kind: a.kind,
              priority: a.priority,
              ...(effectiveAt === undefined ? {} : { effectiveAt: iso(effectiveAt) }),
              expiresAt: expiresAt === null ? null : iso(expiresAt),
              reason: 'model test',
            },
            now,
          ),
        ),
      );
      const created = expectSameOutcome(expected, actual);
      if (expected.ok && created) {
        run.answered.set(expected.value.id, created.grant.id);
        expect(grantView(created.grant, expected.value.id)).toEqual(
          model.grantView(expected.value),
        );
      }
      return;
    }
    case 'consume': {
      const expected = model.consume(orgId, a.amount, a.key);
      const actual = await services.consumeCredits(
        server.db,
        { organizationId: orgId, amount: a.amount, idempotencyKey: a.key },
        now,
      );
      expect(actual).toEqual(expected);
      return;
    }
    case 'void':
    case 'expiry': {
      const block = pick(blocksOf(run, orgId), a.block);
      if (!block) return;
      const grantId = defined(run.toDb.get(block.id), `the grant of block ${block.id}`);
      if (a.t === 'void') {
        const expected = model.voidGrant(orgId, block.id);
        const actual = await attempt(() =>
          tx((trx) =>
            services.voidGrant(
              trx,
              partnerId,
              { organizationId: orgId, grantId, reason: 'model test' },
              now,
            ),
          ),
        );
        const voided = expectSameOutcome(expected, actual);
        if (expected.ok)
          expect(grantView(defined(voided, 'the voided grant').grant, block.id)).toEqual(
            expected.value,
          );
      } else {
        const expiresAt = a.expiresIn === null ? null : now.getTime() + a.expiresIn;
        const expected = model.setGrantExpiry(
          orgId,
          block.id,
          expiresAt === null ? null : new Date(expiresAt),
        );
        const actual = await attempt(() =>
          tx((trx) =>
            services.setGrantExpiry(
              trx,
              partnerId,
              {
                organizationId: orgId,
                grantId,
                expiresAt: expiresAt === null ? null : iso(expiresAt),
                reason: 'model test',
              },
              now,
            ),
          ),
        );
        const moved = expectSameOutcome(expected, actual);
        if (expected.ok)
          expect(grantView(defined(moved, 'the moved grant').grant, block.id)).toEqual(
            expected.value,
          );
      }
      return;
    }
    case 'amend': {
      const amount =
        'credits' in a.amount
          ? a.amount.credits
          : Math.max(1, model.organizationState(orgId).consumedInAll + a.amount.consumedPlus);
      const expected = model.amend(orgId, amount);
      const actual = await attempt(() =>
        tx((trx) =>
          services.createAmendment(
            trx,
            partnerId,
            { organizationId: orgId, amount, reason: 'model test' },
            now,
          ),
        ),
      );
      const answered = expectSameOutcome(expected, actual);
      if (expected.ok) expect(answered?.balance).toEqual(expected.value);
      return;
    }
    case 'status': {
      model.setStatus(orgId, a.enabled);
      await tx((trx) => services.setOrganizationStatus(trx, partnerId, orgId, a.enabled, now));
      return;
    }
    case 'remove': {
      model.remove(orgId);
      await tx((trx) => services.removeOrganization(trx, partnerId, orgId, now));
      return;
    }
    case 'advance':
      moveClock(run, now.getTime() + a.ms);
      return;
    case 'toBoundary': {
      const ends = [
        model.poolPeriod.end,
        ...run.orgIds.map((id) => model.organizationState(id).period.end),
      ].map((d) => d.getTime());
      moveClock(run, Math.min(...ends) + a.offset);
      return;
    }
    case 'toExpiry': {
      const ahead = model.blocks.filter(
        (b) =>
          b.account.endsWith('/organization') &&
          b.expiresAt !== null &&
          b.expiresAt.getTime() > now.getTime(),
      );
      const block = pick(ahead, a.block);
      if (block) moveClock(run, defined(block.expiresAt, 'the expiry').getTime() + a.offset);
      return;
    }
  }
}

// -------------------------------------------------------------------------------- comparing

const keyOf = (row: { organization_id: string | null; kind: string }) =>
  accountKey(row.organization_id, row.kind as AccountKind);

/** A block's stored facts, comparable between a database row and a model block. */
function blockFacts(
  b: Pick<
    ModelBlock,
    | 'account'
    | 'kind'
    | 'amount'
    | 'remaining'
    | 'priority'
    | 'effectiveAt'
    | 'expiresAt'
    | 'createdAt'
    | 'voidedAt'
    | 'expiredAt'
  >,
) {
  const time = (d: Date | null) => d?.toISOString() ?? null;
  return {
    account: b.account,
    kind: b.kind,
    amount: b.amount,
    remaining: b.remaining,
    priority: b.priority,
    effectiveAt: time(b.effectiveAt),
    expiresAt: time(b.expiresAt),
    createdAt: time(b.createdAt),
    voidedAt: time(b.voidedAt),
    expiredAt: time(b.expiredAt),
  };
}

/** An entry as compared: its block named by the model's id. */
interface EntryView {
  type: string;
  amount: number;
  balanceAfter: number;
  sequence: number;
  blockId: string | null;
  createdAt: string;
}

/** Every grant of an organization, newest first, read page by page as a client would. */
async function allGrants(
  partnerId: string,
  organizationId: string,
  now: Date,
  status?: GrantStatus,
): Promise<Grant[]> {
  const grants: Grant[] = [];
  for (let page = 1; ; page += 1) {
    const list = await services.listGrants(
      server.db,
      partnerId,
      { organizationId, page, pageSize: 100, ...(status ? { status } : {}) },
      now,
    );
    grants.push(...list.grants);
    if (grants.length >= list.total || list.grants.length === 0) return grants;
  }
}

/** Everything observable about the partner's ledger, read back and compared with the model. */
async function compare(run: Run): Promise<void> {
  const { model, partnerId, orgIds } = run;
  const db = server.db;
  model.checkInvariants();

  // The first read renews whatever period has ended (as every service read does); after it,
  // nothing is due, so the other reads run side by side.
  const first = await services.getBalances(
    db,
    partnerId,
    defined(orgIds[0], 'an organization'),
    now,
  );
  const [balances, grants, billing, blocks, entries, accounts] = await Promise.all([
    Promise.all(
      orgIds.map(async (id, i) =>
        i === 0 ? first.balances : (await services.getBalances(db, partnerId, id, now)).balances,
      ),
    ),
    Promise.all(orgIds.map((id) => allGrants(partnerId, id, now))),
    services.getBilling(db, partnerId, now),
    db
      .selectFrom('blocks as b')
      .innerJoin('accounts as a', 'a.id', 'b.account_id')
      .selectAll('b')
      .select(['a.kind as account_kind', 'a.organization_id'])
      .where('a.partner_id', '=', partnerId)
      .orderBy('b.created_at')
      .orderBy('b.id')
      .execute(),
    db
      .selectFrom('entries as e')
      .innerJoin('accounts as a', 'a.id', 'e.account_id')
      .select([
        'a.kind',
        'a.organization_id',
        'e.type',
        'e.amount',
        'e.balance_after',
        'e.sequence',
        'e.block_id',
        'e.created_at',
      ])
      .where('a.partner_id', '=', partnerId)
      .orderBy('a.kind')
      .orderBy('a.organization_id')
      .orderBy('e.sequence')
      .execute(),
    db
      .selectFrom('accounts')
      .select(['id', 'kind', 'organization_id', 'balance', 'sequence'])
      .where('partner_id', '=', partnerId)
      .execute(),
  ]);

  // Balances, as the service answers them.
  orgIds.forEach((id, i) => {
    expect(balances[i], `balances of ${id}`).toEqual([model.balanceOf(id)]);
  });

  // Every block of the partner, raw, in creation order: this also maps model ids to db ids.
  expect(
    blocks.map((r) =>
      blockFacts({
        account: keyOf({ organization_id: r.organization_id, kind: r.account_kind }),
        kind: r.kind,
        amount: r.amount,
        remaining: r.remaining,
        priority: r.priority,
        effectiveAt: r.effective_at,
        expiresAt: r.expires_at,
        createdAt: r.created_at,
        voidedAt: r.voided_at,
        expiredAt: r.expired_at,
      }),
    ),
    'blocks',
  ).toEqual(model.blocks.map(blockFacts));
  blocks.forEach((row, i) => {
    const modelId = defined(model.blocks[i], `model block ${i}`).id;
    run.toDb.set(modelId, row.id);
    run.toModel.set(row.id, modelId);
  });
  for (const [modelId, dbId] of run.answered) expect(run.toDb.get(modelId)).toBe(dbId);

  // Blocks as the service lists them: nothing remains of an expired or voided one.
  orgIds.forEach((id, i) => {
    expect(
      defined(grants[i], `the grants of ${id}`).map((g) => grantView(g, run.toModel.get(g.id))),
      `grants of ${id}`,
    ).toEqual(model.grantsOf(id));
  });

  // Filtering by status happens in SQL; it must agree with the status each grant shows.
  for (const [i, id] of orgIds.entries()) {
    for (const status of GRANT_STATUSES) {
      expect(
        (await allGrants(partnerId, id, now, status)).map((g) => g.id),
        `${status} grants of ${id}`,
      ).toEqual(
        defined(grants[i], `the grants of ${id}`)
          .filter((g) => g.status === status)
          .map((g) => g.id),
      );
    }
  }

  // The pool and the period's usage.
  expect(
    {
      currentPeriod: billing.currentPeriod,
      creditPoolTotal: billing.creditPoolTotal,
      creditsAllocated: billing.creditsAllocated,
      creditsUnallocated: billing.creditsUnallocated,
      creditsUsed: billing.creditsUsed,
      overage: billing.overage,
      creditsRemaining: billing.creditsRemaining,
    },
    'billing',
  ).toEqual(model.billing());

  // Every entry of every account of the partner (the organizations' above all).
  const actual = new Map<string, EntryView[]>();
  for (const e of entries) {
    const list = actual.get(keyOf(e)) ?? [];
    list.push({
      type: e.type,
      amount: e.amount,
      balanceAfter: e.balance_after,
      sequence: e.sequence,
      blockId: e.block_id === null ? null : (run.toModel.get(e.block_id) ?? e.block_id),
      createdAt: e.created_at.toISOString(),
    });
    actual.set(keyOf(e), list);
  }
  expect(accounts.map(keyOf).sort(), 'accounts').toEqual(model.accounts.map((a) => a.key).sort());
  for (const account of model.accounts) {
    expect(actual.get(account.key) ?? [], `entries of ${account.key}`).toEqual(
      account.entries.map((e) => ({ ...e, createdAt: e.createdAt.toISOString() })),
    );
  }

  // The accounts: the model's balances; sequences 1..n without gaps; the last entry's balance
  // is the account's; nothing but issuance below zero; all of them sum to zero.
  for (const row of accounts) {
    const key = keyOf(row);
    expect(row.balance, `balance of ${key}`).toBe(
      model.accountOf(row.organization_id, row.kind).balance,
    );
    const list = actual.get(key) ?? [];
    expect(
      list.map((e) => e.sequence),
      `sequences of ${key}`,
    ).toEqual(list.map((_, i) => i + 1));
    expect(row.sequence, `sequence of ${key}`).toBe(list.length);
    expect(list.at(-1)?.balanceAfter ?? 0, `last balance of ${key}`).toBe(row.balance);
    if (row.kind !== 'issuance') expect(row.balance, key).toBeGreaterThanOrEqual(0);
  }
  expect(accounts.reduce((total, a) => total + a.balance, 0)).toBe(0);
}

/** Database-wide: every account of every run sums to zero and only issuance is negative. */
async function checkWholeDatabase(): Promise<void> {
  const { rows } = await sql<{ total: string | null; negative: string }>`
    SELECT sum(balance)::text AS total,
      count(*) FILTER (WHERE kind <> 'issuance' AND balance < 0)::text AS negative
    FROM accounts`.execute(server.db);
  expect(Number(rows[0]?.total ?? 0)).toBe(0);
  expect(Number(rows[0]?.negative)).toBe(0);
  const { rows: broken } = await sql<{ id: string }>`
    SELECT a.id FROM accounts a
    LEFT JOIN LATERAL (
      SELECT count(*) AS n, min(sequence) AS first, max(sequence) AS last,
        (array_agg(balance_after ORDER BY sequence DESC))[1] AS last_balance
      FROM entries WHERE account_id = a.id) e ON true
    WHERE e.n <> a.sequence OR coalesce(e.last, 0) <> a.sequence
      OR (e.n > 0 AND e.first <> 1) OR coalesce(e.last_balance, 0) <> a.balance`.execute(server.db);
  expect(broken).toEqual([]);
}

// ------------------------------------------------------------------------------ the property

/** A hand-written case run first: exactly onto a grant's expiry, then 1 ms past it. */
const expiryExample: [Setup, Action[]] = [
  {
    start: new Date('2027-05-20T08:00:00.000Z'),
    poolCredits: 1000,
    partnerDay: 1,
    orgs: [{ tier: 'paid', allowance: 100, billingPeriod: 'monthly', billingDayOfMonth: 1 }],
  },
  [
    {
      t: 'grant',
      org: 0,
      amount: 50,
      kind: 'promotional',
      priority: 10,
      effectiveIn: null,
      expiresIn: HOUR,
    },
    { t: 'consume', org: 0, amount: 20, key: 'k1' },
    { t: 'toExpiry', block: 0, offset: 0 },
    { t: 'consume', org: 0, amount: 1, key: null },
    { t: 'void', org: 0, block: 0 },
    { t: 'advance', ms: 1 },
    { t: 'amend', org: 0, amount: { consumedPlus: 0 } },
    { t: 'toBoundary', offset: 0 },
    { t: 'allocate', org: 0, target: { credits: 100 } },
  ],
];

/** Runs per mode; raise it (LEDGER_MODEL_RUNS=500) to search longer. */
const RUNS = Number(process.env.LEDGER_MODEL_RUNS ?? 20);

describe.each(BILLING_MODES)('the ledger matches its model in %s mode', (mode) => {
  it('after every step of random sequences', async () => {
    await fc.assert(
      fc.asyncProperty(
        setup,
        fc.array(action, { minLength: 1, maxLength: 25, size: 'max' }),
        async (s, actions) => {
          const run = await begin(mode, s);
          await compare(run);
          for (const a of actions) {
            await apply(run, a);
            await compare(run);
          }
          await checkWholeDatabase();
        },
      ),
      { numRuns: RUNS, examples: [expiryExample] },
    );
  }, 300_000);
});
