import { sql } from 'kysely';
import type { AccountKind, AccountRow, Tx } from '@allot/db';
import { refused } from '../../errors.ts';
import { newId } from '../../ids.ts';

const PARTNER_KINDS = ['issuance', 'pool', 'expiry', 'void'] as const;
const ORGANIZATION_KINDS = ['organization', 'consumption', 'expiry', 'void'] as const;
export type PartnerAccountKind = (typeof PARTNER_KINDS)[number];
export type OrganizationAccountKind = (typeof ORGANIZATION_KINDS)[number];

/** The accounts one credit operation may touch, locked: the partner's, and one organization's. */
export interface Books {
  partner: Record<PartnerAccountKind, AccountRow>;
  organization: Record<OrganizationAccountKind, AccountRow>;
}

/** An operator-added credit type must exist before anything is granted or consumed in it. */
export async function requireCreditType(trx: Tx, creditType: string): Promise<void> {
  const row = await trx
    .selectFrom('credit_types')
    .select('key')
    .where('key', '=', creditType)
    .executeTakeFirst();
  if (!row) {
    throw refused({
      code: 'unknown_credit_type',
      message: `There is no credit type "${creditType}"; the operator adds credit types.`,
    });
  }
}

/**
 * Opens, where missing, the accounts of a partner and of the given organizations in one credit
 * type. Accounts are opened on first use, so a new credit type needs no migration of rows.
 */
export async function openAccounts(
  trx: Tx,
  partnerId: string,
  organizationIds: readonly string[],
  creditType: string,
): Promise<void> {
  const rows = [
    ...PARTNER_KINDS.map((kind) => ({ organization_id: null as string | null, kind })),
    ...organizationIds.flatMap((organizationId) =>
      ORGANIZATION_KINDS.map((kind) => ({ organization_id: organizationId, kind })),
    ),
  ].map((row) => ({ ...row, id: newId(), partner_id: partnerId, credit_type: creditType }));
  for (let i = 0; i < rows.length; i += 10_000) {
    await trx
      .insertInto('accounts')
      .values(rows.slice(i, i + 10_000))
      .onConflict((oc) => oc.constraint('accounts_owner_key').doNothing())
      .execute();
  }
}

/**
 * Locks accounts in the one order every ledger write follows (pool, organizations, their sinks,
 * issuance; then by id), so two writes never wait on each other in a cycle. `ledger_consume`
 * locks an organization account, its consumption sink, then issuance: the same order.
 */
export async function lockAccounts(
  trx: Tx,
  partnerId: string,
  organizationIds: readonly string[],
  creditType: string | null,
): Promise<AccountRow[]> {
  let query = trx
    .selectFrom('accounts')
    .selectAll()
    .where('partner_id', '=', partnerId)
    .where((eb) =>
      organizationIds.length > 0
        ? eb.or([eb('organization_id', 'is', null), eb('organization_id', 'in', organizationIds)])
        : eb('organization_id', 'is', null),
    );
  if (creditType !== null) query = query.where('credit_type', '=', creditType);
  return query
    .orderBy(sql`ledger_lock_rank(kind)`)
    .orderBy('id')
    .forUpdate()
    .execute();
}

function byKind<K extends string>(rows: AccountRow[], kinds: readonly K[]): Record<K, AccountRow> {
  const entries = kinds.map((kind) => {
    const row = rows.find((r) => r.kind === (kind as AccountKind));
    if (!row) throw new Error(`account ${kind} is missing`);
    return [kind, row] as const;
  });
  return Object.fromEntries(entries) as Record<K, AccountRow>;
}

/** Opens and locks the books of one organization in one credit type. */
export async function lockBooks(
  trx: Tx,
  partnerId: string,
  organizationId: string,
  creditType: string,
): Promise<Books> {
  await openAccounts(trx, partnerId, [organizationId], creditType);
  const rows = await lockAccounts(trx, partnerId, [organizationId], creditType);
  return {
    partner: byKind(
      rows.filter((r) => r.organization_id === null),
      PARTNER_KINDS,
    ),
    organization: byKind(
      rows.filter((r) => r.organization_id === organizationId),
      ORGANIZATION_KINDS,
    ),
  };
}

/** Opens and locks a partner's own accounts in one credit type. */
export async function lockPartnerBooks(
  trx: Tx,
  partnerId: string,
  creditType: string,
): Promise<Books['partner']> {
  await openAccounts(trx, partnerId, [], creditType);
  return byKind(await lockAccounts(trx, partnerId, [], creditType), PARTNER_KINDS);
}
