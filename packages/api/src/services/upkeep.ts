import { inTransaction, type Db, type Tx } from '@allot/db';
import { lockAccounts } from './ledger/locks.ts';
import { lapsed } from './ledger/blocks.ts';
import { expireBlocks } from './ledger/expiry.ts';
import { postTransfers } from './ledger/post.ts';
import { periodEnded, renewAndLockPartner } from './ledger/renewal.ts';

/**
 * Work a scheduler runs ahead of traffic. Neither is needed for correctness: every read and
 * write renews what it touches first, and expired credits are never spendable. They keep the
 * first request of a period fast and write down expirations while nobody is looking.
 */

/** Partners with a pool or an organization whose period has ended by `now`. */
async function partnersDue(db: Db | Tx, now: Date): Promise<string[]> {
  const rows = await db
    .selectFrom('partners')
    .select('id')
    .where((eb) => periodEnded(eb, now))
    .orderBy('id')
    .execute();
  return rows.map((row) => row.id);
}

/**
 * Renews every period that has ended, one partner per transaction (set-based within it).
 * Idempotent: a second run for the same `now` finds nothing due. Returns the partners renewed.
 */
export async function renewDuePeriods(db: Db | Tx, now: Date): Promise<number> {
  const due = await partnersDue(db, now);
  for (const partnerId of due)
    await inTransaction(db, (trx) => renewAndLockPartner(trx, partnerId, now));
  return due.length;
}

/**
 * Writes the expiration entries of credits that expired by `now` (of one partner, or of all),
 * one partner per transaction, at most `limit` blocks per call. Returns how many it expired.
 */
export async function expireDueCredits(
  db: Db | Tx,
  now: Date,
  options: { partnerId?: string; limit?: number } = {},
): Promise<number> {
  let query = db
    .selectFrom('blocks')
    .innerJoin('accounts', 'accounts.id', 'blocks.account_id')
    .select(['accounts.partner_id', 'accounts.organization_id', 'blocks.account_id'])
    .where(lapsed(now));
  if (options.partnerId) query = query.where('accounts.partner_id', '=', options.partnerId);
  const rows = await query.limit(options.limit ?? 10_000).execute();
  const byPartner = new Map<string, typeof rows>();
  for (const row of rows) {
    const blocks = byPartner.get(row.partner_id) ?? [];
    blocks.push(row);
    byPartner.set(row.partner_id, blocks);
  }
  let expired = 0;
  for (const [partnerId, blocks] of byPartner) {
    expired += await inTransaction(db, async (trx) => {
      // Renewal first: it expires what lapsed with a period and re-grants allowances.
      const partner = await renewAndLockPartner(trx, partnerId, now);
      const organizations = [...new Set(blocks.flatMap((b) => b.organization_id ?? []))];
      const locked = await lockAccounts(partner, organizations, null);
      const accountIds = [...new Set(blocks.map((b) => b.account_id))];
      const transfers = await expireBlocks(locked, accountIds, now);
      await postTransfers(locked, transfers, now);
      return transfers.length;
    });
  }
  return expired;
}
