import { sql } from 'kysely';
import type { Db, Tx } from '@allot/db';
import type { Currency, Invoice } from '@allot/domain';
import { emitEvent } from '../events.ts';
import { drawFrom, setRemaining, spendableBlocks, spendableRemaining } from '../ledger/blocks.ts';
import { expireBlocks } from '../ledger/expiry.ts';
import {
  customerOrganization,
  lockWalletBooks,
  type OrganizationLock,
  type PartnerLock,
} from '../ledger/locks.ts';
import { postTransfers, type Transfer } from '../ledger/post.ts';
import { fromMinorUnits, formatAmount, toMinorUnits, type Amount } from '../money.ts';

/**
 * Monetary credits on invoices, as the credit-billing guides do it: invoice generated, credits
 * applied, remainder charged. The customer is a partner (its wallet: the operator's grants) or an
 * organization (its credit account: its partner's grants, e.g. a welcome credit); the lock names
 * which. At issue the customer's credits in the invoice's currency are
 * applied, in the ledger's burn order (priority, soonest expiry), up to the total; each portion
 * moves from its wallet block to the `applied` sink and is recorded against the invoice
 * (`invoice_credit_applications`). They are pending until the invoice is paid; a void gives
 * exactly them back.
 */

const reference = (invoice: { number: string }) => `invoice:${invoice.number}`;

/** Whose credits: a partner's own, or one of its organizations'. */
export interface CreditHolder {
  partnerId: string;
  organizationId: string | null;
}

const holderOf = (lock: PartnerLock | OrganizationLock): CreditHolder => ({
  partnerId: lock.partner.id,
  organizationId: customerOrganization(lock)?.id ?? null,
});

/**
 * The customer's credit account in the currency's monetary credit type (one per currency), if it
 * has one: opening accounts only to find them empty is not needed.
 */
async function walletIn(db: Db | Tx, holder: CreditHolder, currency: Currency) {
  let query = db
    .selectFrom('accounts as a')
    .innerJoin('credit_types as t', 't.key', 'a.credit_type')
    .select(['a.id', 'a.credit_type'])
    .where('a.partner_id', '=', holder.partnerId)
    .where('t.currency', '=', currency);
  query =
    holder.organizationId === null
      ? query.where('a.kind', '=', 'wallet')
      : query
          .where('a.kind', '=', 'organization')
          .where('a.organization_id', '=', holder.organizationId);
  return query.executeTakeFirst();
}

/** The credits an invoice issued now would apply, up to `due`; nothing is locked or moved. */
export async function creditsAvailable(
  db: Db | Tx,
  holder: CreditHolder,
  currency: Currency,
  due: Amount,
  now: Date,
): Promise<Amount> {
  const wallet = await walletIn(db, holder, currency);
  if (!wallet) return fromMinorUnits(0, currency);
  const row = await db
    .selectNoFrom(spendableRemaining(sql.val(wallet.id), now).as('available'))
    .executeTakeFirstOrThrow();
  return fromMinorUnits(Math.min(toMinorUnits(due, currency), row.available), currency);
}

/**
 * Applies the customer's available credits to an invoice being issued, up to `due` (its subtotal
 * plus tax). Returns the amount applied (zero when there are none). Runs under the customer's
 * lock, in the issuing transaction; an expired or voided credit is never applied.
 */
export async function applyCredits(
  lock: PartnerLock | OrganizationLock,
  invoice: { id: string; number: string },
  currency: Currency,
  due: Amount,
  now: Date,
): Promise<Amount> {
  const { trx } = lock;
  const held = await walletIn(trx, holderOf(lock), currency);
  if (!held) return fromMinorUnits(0, currency);
  const creditType = held.credit_type;
  const books = await lockWalletBooks(lock, creditType);
  const { wallet, applied } = books.accounts;
  const blocks = await spendableBlocks(books, wallet.id, now);
  const available = blocks.reduce((sum, block) => sum + block.remaining, 0);
  const take = Math.min(toMinorUnits(due, currency), available);
  if (take === 0) return fromMinorUnits(0, currency);
  const [portions = []] = await drawFrom(books, blocks, [take]);
  await trx
    .insertInto('invoice_credit_applications')
    .values(
      portions.map((portion) => ({
        invoice_id: invoice.id,
        block_id: portion.blockId,
        credit_type: creditType,
        credits: portion.amount,
      })),
    )
    .execute();
  await postTransfers(
    books,
    portions.map((portion) => ({
      from: wallet.id,
      to: applied.id,
      amount: portion.amount,
      type: 'application' as const,
      fromBlock: portion.blockId,
      reference: reference(invoice),
    })),
    now,
  );
  const amount = fromMinorUnits(take, currency);
  // A client invoice tells its partner what was applied in `client_invoice.issued`.
  if (customerOrganization(lock) !== null) return amount;
  await emitEvent(trx, {
    partnerId: lock.partner.id,
    organizationId: null,
    type: 'credits.applied',
    data: {
      invoiceId: invoice.id,
      number: invoice.number,
      currency,
      creditType,
      credits: take,
      amount: formatAmount(amount, currency),
    },
  });
  return amount;
}

/**
 * Gives a voided invoice's credits back to the blocks they came from. Credits whose block has
 * expired or been voided meanwhile come back only to leave at once, to the expiry or void sink:
 * the books show both movements, and nothing unspendable stays on the balance.
 */
export async function reinstateCredits(
  lock: PartnerLock | OrganizationLock,
  invoice: Pick<Invoice, 'id' | 'number'>,
  now: Date,
): Promise<void> {
  const { trx } = lock;
  const applications = await trx
    .selectFrom('invoice_credit_applications as c')
    .innerJoin('blocks as b', 'b.id', 'c.block_id')
    .select(['c.block_id', 'c.credit_type', 'c.credits', 'b.remaining', 'b.voided_at'])
    .where('c.invoice_id', '=', invoice.id)
    .orderBy('c.credit_type')
    .orderBy('c.block_id')
    .execute();
  for (const creditType of new Set(applications.map((a) => a.credit_type))) {
    const books = await lockWalletBooks(lock, creditType);
    const { wallet, applied } = books.accounts;
    const mine = applications.filter((a) => a.credit_type === creditType);
    // A voided block keeps nothing: what comes back to it is voided with it.
    await setRemaining(
      books,
      mine.flatMap((a) =>
        a.voided_at === null ? [{ id: a.block_id, remaining: a.remaining + a.credits }] : [],
      ),
    );
    const transfers: Transfer[] = mine.flatMap((a) => {
      const back: Transfer = {
        from: applied.id,
        to: wallet.id,
        amount: a.credits,
        type: 'reinstatement',
        toBlock: a.block_id,
        reference: reference(invoice),
      };
      if (a.voided_at === null) return [back];
      const voided: Transfer = {
        from: wallet.id,
        to: books.accounts.void.id,
        amount: a.credits,
        type: 'void',
        fromBlock: a.block_id,
        reason: `Returned by void invoice ${invoice.number} after its grant was voided`,
      };
      return [back, voided];
    });
    await postTransfers(books, transfers, now);
    // Back on a block that has expired: written down at once, like any lapsed credit.
    await postTransfers(books, await expireBlocks(books, [wallet.id], now), now);
  }
}
