import { sql } from 'kysely';
import type { Db, Tx } from '@allot/db';
import {
  checkExpiry,
  DEFAULT_PRIORITY,
  EXPIRING_SOON_DAYS,
  type CreateWalletGrantInput,
  type Currency,
  type ListWalletGrantsInput,
  type VoidWalletGrantInput,
  type WalletBalance,
} from '@allot/domain';
import { notFound, orRefuse, refused } from '../errors.ts';
import { pageOfGrants } from './grants.ts';
import { insertBlocks, setRemaining, spendable, toGrant } from './ledger/blocks.ts';
import { lockBlock, lockWalletBooks } from './ledger/locks.ts';
import { postTransfers } from './ledger/post.ts';
import { renewAndLockPartner } from './ledger/renewal.ts';
import { formatAmount, fromMinorUnits } from './money.ts';

/**
 * A customer partner's monetary credits, granted by the operator into its wallet (one account
 * per monetary credit type): service credits, prepayments. They carry expiry, priority and void
 * like every grant, burn in the ledger's order, and are applied to the partner's invoices
 * (`invoices/credits.ts`).
 */

/** `POST /operator/partners/{id}/credits/grants`: issued to the partner's wallet, as a block. */
export async function createWalletGrant(trx: Tx, input: CreateWalletGrantInput, now: Date) {
  const books = await lockWalletBooks(
    await renewAndLockPartner(trx, input.partnerId, now),
    input.creditType,
  );
  const effectiveAt = input.effectiveAt ? new Date(input.effectiveAt) : now;
  const expiresAt = orRefuse(
    checkExpiry(input.expiresAt ? new Date(input.expiresAt) : null, effectiveAt, now),
  );
  const { wallet, issuance } = books.accounts;
  const [row] = await insertBlocks(
    books,
    [
      {
        accountId: wallet.id,
        kind: input.kind ?? 'promotional',
        amount: input.amount,
        priority: input.priority ?? DEFAULT_PRIORITY,
        effectiveAt,
        expiresAt,
        reason: input.reason,
      },
    ],
    now,
  );
  if (!row) throw new Error('the granted block was not written');
  await postTransfers(
    books,
    [
      {
        from: issuance.id,
        to: wallet.id,
        amount: input.amount,
        type: 'increment',
        toBlock: row.id,
        reason: input.reason,
      },
    ],
    now,
  );
  return { grant: toGrant(row, books.creditType, now) };
}

/** A wallet block of the partner, with its credit type; 404 for anything else. */
async function walletGrantCreditType(trx: Tx, partnerId: string, grantId: string) {
  const row = await trx
    .selectFrom('blocks')
    .innerJoin('accounts', 'accounts.id', 'blocks.account_id')
    .select('accounts.credit_type')
    .where('blocks.id', '=', grantId)
    .where('accounts.partner_id', '=', partnerId)
    .where('accounts.kind', '=', 'wallet')
    .executeTakeFirst();
  if (!row) throw notFound('Grant');
  return row.credit_type;
}

/**
 * Voids a wallet grant: its unapplied remainder leaves for the void sink. Credits already applied
 * to an invoice stay on it; if that invoice is voided later, they leave at once too.
 */
export async function voidWalletGrant(trx: Tx, input: VoidWalletGrantInput, now: Date) {
  const partner = await renewAndLockPartner(trx, input.partnerId, now);
  const creditType = await walletGrantCreditType(trx, input.partnerId, input.grantId);
  const books = await lockWalletBooks(partner, creditType);
  const block = await lockBlock(books, input.grantId);
  const status = toGrant(block, creditType, now).status;
  if (status === 'voided')
    throw refused({ code: 'grant_voided', message: 'This grant is already voided.' });
  if (status === 'expired')
    throw refused({ code: 'grant_expired', message: 'This grant has expired; it cannot change.' });
  await setRemaining(books, [{ id: block.id, remaining: 0 }], { voided_at: now });
  if (block.remaining > 0)
    await postTransfers(
      books,
      [
        {
          from: books.accounts.wallet.id,
          to: books.accounts.void.id,
          amount: block.remaining,
          type: 'void',
          fromBlock: block.id,
          reason: input.reason,
        },
      ],
      now,
    );
  return { grant: toGrant({ ...block, remaining: 0, voided_at: now }, creditType, now) };
}

/** The partner's wallet grants, newest first. */
export function listWalletGrants(db: Db | Tx, input: ListWalletGrantsInput, now: Date) {
  return pageOfGrants(db, { walletOf: input.partnerId }, input, now);
}

/**
 * The partner's monetary balances, one per credit type its wallet holds: what can be applied now,
 * what is pending on unpaid invoices, what expires soon.
 */
export async function readWallet(
  db: Db | Tx,
  partnerId: string,
  now: Date,
): Promise<{ balances: WalletBalance[] }> {
  const soon = new Date(now.getTime() + EXPIRING_SOON_DAYS * 86_400_000);
  const { rows } = await sql<{
    credit_type: string;
    currency: string;
    available: number;
    expiring_soon: number;
    pending: number;
  }>`
    SELECT a.credit_type, t.currency,
      (SELECT coalesce(sum(remaining), 0) FROM blocks
        WHERE account_id = a.id AND ${spendable(now)})::bigint AS available,
      (SELECT coalesce(sum(remaining), 0) FROM blocks
        WHERE account_id = a.id AND ${spendable(now)} AND expires_at <= ${soon})::bigint
        AS expiring_soon,
      (SELECT coalesce(sum(c.credits), 0) FROM invoice_credit_applications c
        JOIN invoices i ON i.id = c.invoice_id
        WHERE i.partner_id = a.partner_id AND i.organization_id IS NULL AND i.status = 'issued'
          AND c.credit_type = a.credit_type)::bigint AS pending
    FROM accounts a JOIN credit_types t ON t.key = a.credit_type
    WHERE a.partner_id = ${partnerId} AND a.kind = 'wallet'
    ORDER BY a.credit_type`.execute(db);
  return {
    balances: rows.map((row) => {
      const currency = row.currency as Currency;
      return {
        creditType: row.credit_type,
        currency,
        available: row.available,
        pending: row.pending,
        expiringSoon: row.expiring_soon,
        availableAmount: formatAmount(fromMinorUnits(row.available, currency), currency),
        pendingAmount: formatAmount(fromMinorUnits(row.pending, currency), currency),
      };
    }),
  };
}
