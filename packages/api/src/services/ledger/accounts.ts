import type { AccountRow, Tx } from '@allot/db';
import {
  ORGANIZATION_ACCOUNT_KINDS,
  PARTNER_ACCOUNT_KINDS,
  type AccountKind,
  type OrganizationAccountKind,
  type PartnerAccountKind,
  type WalletAccountKind,
} from '@allot/domain';
import { refused } from '../../errors.ts';
import { newId } from '../../ids.ts';

export type PartnerAccounts = Record<PartnerAccountKind, AccountRow>;
export type OrganizationAccounts = Record<OrganizationAccountKind, AccountRow>;
export type WalletAccounts = Record<WalletAccountKind, AccountRow>;

/**
 * An operator-added credit type must exist before anything is granted or consumed in it.
 * Answers its currency: null for a unit credit type, the money it is for a monetary one.
 */
export async function requireCreditType(
  trx: Tx,
  creditType: string,
): Promise<{ currency: string | null }> {
  const row = await trx
    .selectFrom('credit_types')
    .select('currency')
    .where('key', '=', creditType)
    .executeTakeFirst();
  if (!row) {
    throw refused({
      code: 'unknown_credit_type',
      message: `There is no credit type "${creditType}"; the operator adds credit types.`,
    });
  }
  return row;
}

/**
 * Opens, where missing, the accounts of a partner (its usual kinds, or those named) and of the
 * given organizations in one credit type. Accounts are opened on first use, so a new credit type
 * needs no migration of rows.
 */
export async function openAccounts(
  trx: Tx,
  partnerId: string,
  organizationIds: readonly string[],
  creditType: string,
  partnerKinds: readonly AccountKind[] = PARTNER_ACCOUNT_KINDS,
  organizationKinds: readonly AccountKind[] = ORGANIZATION_ACCOUNT_KINDS,
): Promise<void> {
  const rows = [
    ...partnerKinds.map((kind) => ({ organization_id: null as string | null, kind })),
    ...organizationIds.flatMap((organizationId) =>
      organizationKinds.map((kind) => ({ organization_id: organizationId, kind })),
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

/** The accounts among `rows` by kind; each kind must be there (they are opened together). */
export function accountsByKind<K extends string>(
  rows: readonly AccountRow[],
  kinds: readonly K[],
): Record<K, AccountRow> {
  const entries = kinds.map((kind) => {
    const row = rows.find((r) => r.kind === (kind as AccountKind));
    if (!row) throw new Error(`account ${kind} is missing`);
    return [kind, row] as const;
  });
  return Object.fromEntries(entries) as Record<K, AccountRow>;
}
