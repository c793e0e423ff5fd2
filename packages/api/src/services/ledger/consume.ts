import { sql } from 'kysely';
import { inTransaction, type Db, type Tx } from '@allot/db';
import type { EntryType } from '@allot/domain';
import { DEFAULT_CREDIT_TYPE, type ConsumeCreditsInput, type ConsumeResult } from '@allot/domain';
import { conflict, notFound, refused } from '../../errors.ts';
import { requireOrganization } from '../organization-access.ts';
import { refreshPeriods } from './renewal.ts';
import { openAccounts, requireCreditType } from './accounts.ts';

export interface BurnInput {
  organizationId: string;
  creditType: string;
  amount: number;
  idempotencyKey: string | null;
  reference: string | null;
  entryType: Extract<EntryType, 'decrement' | 'amendment'>;
  reason: string | null;
  now: Date;
}

export type BurnOutcome =
  | 'consumed'
  | 'replayed'
  | 'insufficient_credits'
  | 'organization_inactive'
  | 'renewal_due'
  | 'no_account'
  | 'not_found';

/** One call of `ledger_consume` (see the ledger migration): burns in burn order, in one round trip. */
export async function burn(db: Db | Tx, input: BurnInput) {
  const { rows } = await sql<{
    outcome: BurnOutcome;
    charged: number;
    overage: number;
    /** The credits that were spendable, with `insufficient_credits` only. */
    available: number | null;
  }>`SELECT * FROM ledger_consume(${input.organizationId}::uuid, ${input.creditType},
      ${input.amount}::bigint, ${input.idempotencyKey}, ${input.reference}, ${input.entryType},
      ${input.reason}, ${input.now}::timestamptz)`.execute(db);
  const [row] = rows;
  if (!row) throw new Error('ledger_consume returned no row');
  return row;
}

export type Burned = Awaited<ReturnType<typeof burn>>;

/** One credit to burn, by key: what a new identification charges. */
export interface UnitBurn {
  organizationId: string;
  idempotencyKey: string;
  reference: string;
  now: Date;
}

/**
 * One credit burnt for each of many keys, with the outcomes one `ledger_consume` each in their
 * order would give, in one round trip (`ledger_consume_units`): the pixel's batch charges its new
 * identifications so, one posting per organization where every burn takes the same block.
 */
export async function burnEach(trx: Tx, burns: UnitBurn[]): Promise<Burned[]> {
  if (burns.length === 0) return [];
  const { rows } = await sql<Burned>`
    SELECT outcome, charged, overage, available FROM ledger_consume_units(${burns.map((b) => b.organizationId)}::uuid[],
      ${DEFAULT_CREDIT_TYPE}, ${burns.map((b) => b.idempotencyKey)}::text[],
      ${burns.map((b) => b.reference)}::text[], ${burns.map((b) => b.now)}::timestamptz[])
    ORDER BY ord`.execute(trx);
  if (rows.length !== burns.length)
    throw new Error('ledger_consume_units answered fewer burns than asked');
  return rows;
}

/** What a burn's outcome means to its caller; null when something must be fixed first (see below). */
export function settled(result: Burned): ConsumeResult | null {
  switch (result.outcome) {
    case 'consumed':
    case 'replayed':
      return {
        granted: true,
        reason: null,
        charged: result.charged,
        overage: result.overage,
        replayed: result.outcome === 'replayed',
      };
    case 'insufficient_credits':
    case 'organization_inactive':
      return { granted: false, reason: result.outcome, charged: 0, overage: 0, replayed: false };
    case 'not_found':
      throw notFound('Organization');
    case 'renewal_due':
    case 'no_account':
      return null;
  }
}

export interface ConsumeInput {
  organizationId: string;
  creditType?: string;
  /** Credits to consume (default 1). */
  amount?: number;
  /** A retry with the same key returns the first result and charges nothing again. */
  idempotencyKey?: string | null;
  reference?: string | null;
}

/**
 * Consumes an organization's credits: all or nothing, never past zero outside usage_based,
 * at most once per idempotency key. A refusal records nothing, so a retry after a top-up can
 * succeed. When the organization's period has ended, it is renewed first (then the burn runs
 * again); the caller needs no scheduler.
 */
export async function consumeCredits(
  db: Db | Tx,
  input: ConsumeInput,
  now: Date,
): Promise<ConsumeResult> {
  const burnInput: BurnInput = {
    organizationId: input.organizationId,
    creditType: input.creditType ?? DEFAULT_CREDIT_TYPE,
    amount: input.amount ?? 1,
    idempotencyKey: input.idempotencyKey ?? null,
    reference: input.reference ?? null,
    entryType: 'decrement',
    reason: null,
    now,
  };
  // Each retry follows a fix (a renewal, opened accounts) that the next attempt does not need again.
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const result = await burn(db, burnInput);
    const done = settled(result);
    if (done) return done;
    switch (result.outcome) {
      case 'renewal_due':
        // `ledger_consume` returned holding the organization's account lock; renewing takes the
        // partner's, which comes first in the lock order. Outside a transaction the lock ended
        // with the statement; inside one, the caller must have renewed first (as ingest does).
        if (db.isTransaction)
          throw new Error('consumeCredits: renew the periods before consuming in a transaction');
        await refreshPeriods(db, await partnerOf(db, input.organizationId), now);
        break;
      case 'no_account':
        await inTransaction(db, async (trx) => {
          await requireCreditType(trx, burnInput.creditType);
          await openAccounts(
            trx,
            await partnerOf(trx, input.organizationId),
            [input.organizationId],
            burnInput.creditType,
          );
        });
        break;
    }
  }
  throw new Error('consumeCredits: the organization could not be brought up to date');
}

/**
 * A partner consuming its organization's credits (`POST .../consumptions`): 404 for another
 * partner's organization, 422 when the credits are not granted. The key is the consumption's own.
 */
export async function consumeForPartner(
  db: Db | Tx,
  partnerId: string,
  input: ConsumeCreditsInput,
  idempotencyKey: string | null,
  now: Date,
) {
  await requireOrganization(db, partnerId, input.organizationId);
  const creditType = input.creditType ?? DEFAULT_CREDIT_TYPE;
  const type = await db
    .selectFrom('credit_types')
    .select('currency')
    .where('key', '=', creditType)
    .executeTakeFirst();
  if (type?.currency)
    throw refused({
      code: 'not_monetary',
      message: `"${creditType}" credits are money: they are applied to the organization's invoices, not consumed.`,
    });
  const result = await consumeCredits(
    db,
    {
      organizationId: input.organizationId,
      creditType,
      amount: input.amount,
      idempotencyKey,
      reference: input.reference ?? null,
    },
    now,
  );
  if (result.replayed && idempotencyKey !== null) {
    await requireSameConsumption(db, input.organizationId, idempotencyKey, {
      creditType,
      amount: input.amount,
      reference: input.reference ?? null,
    });
  }
  if (!result.granted) {
    throw refused({
      code: result.reason ?? 'insufficient_credits',
      message:
        result.reason === 'organization_inactive'
          ? 'The organization is not active; its credits cannot be consumed.'
          : `The organization has fewer than ${input.amount} ${creditType} credits available.`,
    });
  }
  return {
    consumption: {
      creditType,
      amount: result.charged + result.overage,
      charged: result.charged,
      overage: result.overage,
      replayed: result.replayed,
    },
  };
}

/**
 * A replay answers the first consumption only for the same request: the key with another
 * amount, credit type or reference is a 409, as for every other write. Checked only on a replay
 * (a record is never changed once written), so a first consumption costs no extra round trip.
 */
async function requireSameConsumption(
  db: Db | Tx,
  organizationId: string,
  idempotencyKey: string,
  request: { creditType: string; amount: number; reference: string | null },
) {
  const prior = await db
    .selectFrom('consumptions')
    .select(['credit_type', 'amount', 'reference'])
    .where('organization_id', '=', organizationId)
    .where('idempotency_key', '=', idempotencyKey)
    .executeTakeFirst();
  if (
    !prior ||
    prior.credit_type !== request.creditType ||
    Number(prior.amount) !== request.amount ||
    prior.reference !== request.reference
  ) {
    throw conflict(
      'idempotency_key_reused',
      'This Idempotency-Key was used with a different request',
    );
  }
}

async function partnerOf(db: Db | Tx, organizationId: string): Promise<string> {
  const row = await db
    .selectFrom('organizations')
    .select('partner_id')
    .where('id', '=', organizationId)
    .executeTakeFirst();
  if (!row) throw notFound('Organization');
  return row.partner_id;
}
