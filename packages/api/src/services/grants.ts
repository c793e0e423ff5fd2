import type { Db, Tx } from '@allot/db';
import {
  checkExpiry,
  checkReceivesCredits,
  DEFAULT_CREDIT_TYPE,
  DEFAULT_PRIORITY,
  GRANT_KINDS,
  pageFields,
  pageOffset,
  type CreateGrantInput,
  type GrantStatus,
  type ListGrantsInput,
  type SetGrantExpiryInput,
  type VoidGrantInput,
} from '@allot/domain';
import { notFound, orRefuse, refused } from '../errors.ts';
import { emitEvent } from './events.ts';
import { grantStatusSql, setRemaining, toGrant } from './ledger/blocks.ts';
import { credit, release } from './ledger/credit.ts';
import { refuseOverCap } from './ledger/holdings.ts';
import { lockBlock, lockBooks, organizationLockOf, type Books } from './ledger/locks.ts';
import { clientPricingOf } from './client-pricing.ts';
import { issuePurchaseInvoice, recordSale } from './invoices/client-issue.ts';
import { openBooks, openOrganization } from './ledger/open-books.ts';
import { postTransfers } from './ledger/post.ts';
import { requireOrganization } from './organization-access.ts';
import { renewsFirst } from './renew-on-read.ts';

/** A grant's input; the kinds a partner may name, or `top_up` when an auto top-up grants. */
export type GrantInput = Omit<CreateGrantInput, 'kind'> & {
  kind?: CreateGrantInput['kind'] | 'top_up';
};

export async function createGrant(trx: Tx, partnerId: string, input: GrantInput, now: Date) {
  const creditType = input.creditType ?? DEFAULT_CREDIT_TYPE;
  return grantInto(
    await openBooks(trx, partnerId, input.organizationId, creditType, now),
    input,
    now,
  );
}

/**
 * What a grant with `invoice: true` sells at: its cost basis, else the organization's credit
 * price. Refused before anything is written when it cannot be invoiced; an auto top-up with no
 * price anywhere is given free (null).
 */
async function saleOf(books: Books, input: GrantInput) {
  const kind = input.kind ?? 'promotional';
  const sold = kind === 'purchased' || kind === 'top_up';
  if (!sold || books.currency !== null)
    throw refused({
      code: 'not_for_sale',
      message:
        'Only purchased credits of a unit credit type are invoiced; welcome, promotional and compensation credits cost nothing.',
    });
  const pricing = await clientPricingOf(books.trx, books.partner.id, books.organization.id);
  const unitPrice = input.costBasis ?? pricing?.creditUnitPrice ?? null;
  if (pricing && unitPrice !== null)
    return {
      pricing,
      unitPrice,
      kind: kind === 'top_up' ? ('top_up' as const) : ('purchase' as const),
    };
  if (kind === 'top_up') return null;
  throw refused({
    code: 'not_priced',
    message: pricing
      ? 'Name a costBasis, or set a creditUnitPrice in the pricing, to invoice this purchase.'
      : "Set PUT /partner/pricing (or the organization's own pricing) to invoice purchases: it names the currency and terms.",
  });
}

/** A grant into books already locked (an auto top-up locks them itself, to check first). */
export async function grantInto(books: Books, input: GrantInput, now: Date) {
  const { organization: org, creditType } = books;
  orRefuse(checkReceivesCredits(org.status));
  const effectiveAt = input.effectiveAt ? new Date(input.effectiveAt) : now;
  const expiresAt = orRefuse(
    checkExpiry(input.expiresAt ? new Date(input.expiresAt) : null, effectiveAt, now),
  );
  // Monetary credits are the partner's own money, not identifications: the trial cap leaves them.
  if (books.currency === null) await refuseOverCap(books, input.amount, now);
  const sale = input.invoice ? await saleOf(books, input) : null;
  const { row, transfers } = await credit(
    books,
    {
      kind: input.kind ?? 'promotional',
      amount: input.amount,
      priority: input.priority ?? DEFAULT_PRIORITY,
      effectiveAt,
      expiresAt,
      costBasis: sale?.unitPrice ?? input.costBasis ?? null,
      reason: input.reason,
    },
    'increment',
    now,
  );
  await postTransfers(books, transfers, now);
  const grant = toGrant(row, creditType, now);
  await emitEvent(books.trx, {
    partnerId: books.partner.id,
    organizationId: org.id,
    type: 'credits.granted',
    data: {
      organizationId: org.id,
      grantId: grant.id,
      creditType,
      amount: grant.amount,
      kind: grant.kind,
      expiresAt: grant.expiresAt,
      reason: grant.reason,
    },
  });
  if (!sale) return { grant };
  // The sale's invoice, in the grant's transaction: the grant and its invoice exist together.
  const lock = organizationLockOf(books);
  await recordSale(lock, { blockId: row.id, kind: sale.kind, unitPrice: sale.unitPrice }, now);
  const { invoice } = await issuePurchaseInvoice(lock, sale.pricing, row.id, now);
  return { grant, invoice };
}

/** The credit type of a block of this organization; 404 for anything else. */
async function grantCreditType(trx: Tx, organizationId: string, grantId: string) {
  const row = await trx
    .selectFrom('blocks')
    .innerJoin('accounts', 'accounts.id', 'blocks.account_id')
    .select('accounts.credit_type')
    .where('blocks.id', '=', grantId)
    .where('accounts.organization_id', '=', organizationId)
    .where('accounts.kind', '=', 'organization')
    .executeTakeFirst();
  if (!row) throw notFound('Grant');
  return row.credit_type;
}

/** The grant's books and the grant, locked in the lock order; refused unless it can change. */
async function lockGrant(
  trx: Tx,
  input: { organizationId: string; grantId: string },
  partnerId: string,
  now: Date,
) {
  const organization = await openOrganization(trx, partnerId, input.organizationId, now);
  const creditType = await grantCreditType(trx, input.organizationId, input.grantId);
  const books = await lockBooks(organization, creditType);
  const block = await lockBlock(books, input.grantId);
  const status = toGrant(block, creditType, now).status;
  if (status === 'voided')
    throw refused({ code: 'grant_voided', message: 'This grant is already voided.' });
  if (status === 'expired')
    throw refused({
      code: 'grant_expired',
      message: 'This grant has expired; nothing of it can change.',
    });
  // Allocated credits follow the period, and an amendment is corrected by another amendment.
  if (!GRANT_KINDS.some((kind) => kind === block.kind)) {
    throw refused({
      code: 'not_a_grant',
      message:
        block.kind === 'amendment'
          ? 'An amendment is corrected by another amendment, not voided.'
          : 'Allocated credits follow the period; change them with PUT .../credits instead.',
    });
  }
  return { books, block };
}

/** Voids a grant: its unspent remainder leaves the organization; what was spent stays spent. */
export async function voidGrant(trx: Tx, partnerId: string, input: VoidGrantInput, now: Date) {
  const { books, block } = await lockGrant(trx, input, partnerId, now);
  await setRemaining(books, [{ id: block.id, remaining: 0 }], { voided_at: now });
  if (block.remaining > 0) {
    const portions = [{ blockId: block.id, amount: block.remaining }];
    const sink = books.accounts.organization.void;
    await postTransfers(
      books,
      await release(books, portions, 'void', sink, input.reason, now),
      now,
    );
  }
  const row = { ...block, remaining: 0, voided_at: now };
  await emitEvent(trx, {
    partnerId,
    organizationId: input.organizationId,
    type: 'credits.voided',
    data: {
      organizationId: input.organizationId,
      grantId: block.id,
      creditType: books.creditType,
      amount: block.remaining,
      reason: input.reason,
    },
  });
  return { grant: toGrant(row, books.creditType, now) };
}

/** Moves a grant's expiry (or removes it); the change and its reason are kept. */
export async function setGrantExpiry(
  trx: Tx,
  partnerId: string,
  input: SetGrantExpiryInput,
  now: Date,
) {
  const { books, block } = await lockGrant(trx, input, partnerId, now);
  const expiresAt = orRefuse(
    checkExpiry(
      input.expiresAt === null ? null : new Date(input.expiresAt),
      block.effective_at,
      now,
    ),
  );
  const row = await trx
    .updateTable('blocks')
    .set({ expires_at: expiresAt })
    .where('id', '=', block.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('block_expiry_changes')
    .values({
      block_id: block.id,
      previous_expires_at: block.expires_at,
      expires_at: expiresAt,
      reason: input.reason,
      created_at: now,
    })
    .execute();
  return { grant: toGrant(row, books.creditType, now) };
}

export const listGrants = renewsFirst(async function listGrants(
  trx: Tx | Db,
  partnerId: string,
  input: ListGrantsInput,
  now: Date,
) {
  await requireOrganization(trx, partnerId, input.organizationId);
  return pageOfGrants(trx, { organizationId: input.organizationId }, input, now);
});

/**
 * A page of the grants on one owner's credit account (an organization's, or a partner's wallet),
 * newest first, by status and credit type.
 */
export async function pageOfGrants(
  db: Db | Tx,
  owner: { organizationId: string } | { walletOf: string },
  input: {
    page: number;
    pageSize: number;
    status?: GrantStatus | undefined;
    creditType?: string | undefined;
  },
  now: Date,
) {
  let query = db.selectFrom('blocks').innerJoin('accounts', 'accounts.id', 'blocks.account_id');
  query =
    'organizationId' in owner
      ? query
          .where('accounts.organization_id', '=', owner.organizationId)
          .where('accounts.kind', '=', 'organization')
      : query
          .where('accounts.partner_id', '=', owner.walletOf)
          .where('accounts.kind', '=', 'wallet');
  if (input.creditType) query = query.where('accounts.credit_type', '=', input.creditType);
  if (input.status) query = query.where(grantStatusSql(now), '=', input.status);
  const [rows, count] = await Promise.all([
    query
      .selectAll('blocks')
      .select('accounts.credit_type')
      .orderBy('blocks.created_at', 'desc')
      .orderBy('blocks.id', 'desc')
      .limit(input.pageSize)
      .offset(pageOffset(input))
      .execute(),
    query.select((eb) => eb.fn.countAll<string>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return {
    grants: rows.map((row) => toGrant(row, row.credit_type, now)),
    ...pageFields(input, count.total),
  };
}
