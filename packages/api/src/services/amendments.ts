import type { Tx } from '@allot/db';
import {
  checkReceivesCredits,
  DEFAULT_CREDIT_TYPE,
  type CreateAmendmentInput,
} from '@allot/domain';
import { orRefuse, refused } from '../errors.ts';
import { readBalances } from './balances.ts';
import { insertBlocks } from './ledger/blocks.ts';
import { burn } from './ledger/consume.ts';
import { refuseOverCap } from './ledger/holdings.ts';
import { openBooks } from './ledger/open-books.ts';
import { postTransfers } from './ledger/post.ts';

/**
 * A correction of consumption. Positive: consumed credits come back (at most what was ever
 * consumed), as a block that lapses with the period. Negative: credits are charged as if
 * consumed, in burn order; past zero only in usage_based mode (as overage).
 */
export async function createAmendment(
  trx: Tx,
  partnerId: string,
  input: CreateAmendmentInput,
  now: Date,
) {
  const creditType = input.creditType ?? DEFAULT_CREDIT_TYPE;
  const books = await openBooks(trx, partnerId, input.organizationId, creditType, now);
  const { organization: org } = books;
  const { consumption, organization: account } = books.accounts.organization;
  orRefuse(checkReceivesCredits(org.status));
  if (input.amount > 0) {
    if (input.amount > consumption.balance) {
      throw refused({
        code: 'amendment_exceeds_consumption',
        message: `The organization has consumed ${consumption.balance} ${creditType} credits in all; an amendment gives back at most that.`,
      });
    }
    await refuseOverCap(books, input.amount, now);
    const [row] = await insertBlocks(
      books,
      [
        {
          accountId: account.id,
          kind: 'amendment',
          amount: input.amount,
          effectiveAt: org.period_start,
          expiresAt: org.period_end,
          reason: input.reason,
        },
      ],
      now,
    );
    // Posting gives the consumption back to the period's count too (see ledger_post).
    await postTransfers(
      books,
      [
        {
          from: consumption.id,
          to: account.id,
          amount: input.amount,
          type: 'amendment',
          toBlock: row?.id ?? null,
          reason: input.reason,
        },
      ],
      now,
    );
  } else {
    const outcome = await burn(trx, {
      organizationId: org.id,
      creditType,
      amount: -input.amount,
      idempotencyKey: null,
      reference: null,
      entryType: 'amendment',
      reason: input.reason,
      now,
    });
    if (outcome.outcome !== 'consumed') {
      throw refused({
        code: 'insufficient_credits',
        message: `The organization has ${outcome.available} ${creditType} credits available; an amendment cannot take its balance below zero.`,
      });
    }
  }
  const [balance] = await readBalances(trx, org.id, now, creditType);
  if (!balance) throw new Error('the amended account has no balance');
  return {
    amendment: {
      creditType,
      amount: input.amount,
      reason: input.reason,
      createdAt: now.toISOString(),
    },
    balance,
  };
}
