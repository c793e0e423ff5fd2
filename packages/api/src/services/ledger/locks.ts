import { sql } from 'kysely';
import type { AccountRow, OrganizationRow, PartnerRow, Tx } from '@allot/db';
import {
  DEFAULT_CREDIT_TYPE,
  drawsFromPool,
  ORGANIZATION_ACCOUNT_KINDS,
  PARTNER_ACCOUNT_KINDS,
  WALLET_ACCOUNT_KINDS,
  type Currency,
} from '@allot/domain';
import { notFound, refused } from '../../errors.ts';
import {
  accountsByKind,
  openAccounts,
  requireCreditType,
  type OrganizationAccounts,
  type PartnerAccounts,
  type WalletAccounts,
} from './accounts.ts';

/**
 * The one lock order of every ledger write (docs/architecture.md, "Lock order"): the partner's
 * row, then an organization's row, then accounts in rank order (`ledger_lock_rank`, then id),
 * then blocks. Each step here takes the handle of the step before it, and the ledger primitives
 * (posting, drawing, inserting blocks) take only a handle of locked accounts, so a write that
 * locks out of order, or writes without locking, does not typecheck. The brand is a type only:
 * nothing outside this file can make a handle.
 */
declare const step: unique symbol;
interface Held<S extends string> {
  readonly trx: Tx;
  readonly [step]: S;
}

/** Gives a handle its brand: the one place a handle is made. */
function handle<H extends Held<string>>(value: Omit<H, typeof step>): H {
  return value as H;
}

/** The partner's row, locked. */
export interface PartnerLock extends Held<'partner'> {
  readonly partner: PartnerRow;
}

/** The partner's row, then one of its organizations' rows, locked. */
export interface OrganizationLock extends Held<'organization'> {
  readonly partner: PartnerRow;
  readonly organization: OrganizationRow;
}

/** Accounts locked after their partner (and organizations): what ledger primitives require. */
export type AccountsLock = Held<'accounts'>;

/** Any set of locked accounts of one partner, e.g. every account of the organizations renewed. */
export interface LockedAccounts extends AccountsLock {
  readonly partner: PartnerRow;
  readonly accounts: readonly AccountRow[];
}

/** A partner's own accounts in one credit type, locked. */
export interface PartnerBooks extends AccountsLock {
  readonly partner: PartnerRow;
  readonly accounts: PartnerAccounts;
}

/** Everything a credit change of one organization works on, in one credit type, locked. */
export interface Books extends AccountsLock {
  readonly partner: PartnerRow;
  readonly organization: OrganizationRow;
  readonly creditType: string;
  readonly accounts: { partner: PartnerAccounts; organization: OrganizationAccounts };
  /** Credits of this type come from the partner's pool (credit_pool mode, the pool's type). */
  readonly pooled: boolean;
  /** A monetary credit type's currency (credits are its minor units); null for units. */
  readonly currency: Currency | null;
}

/**
 * Locks the partner's row, and nothing more. Only renewal calls it (`renewAndLockPartner`): every
 * other write wants the periods renewed under the lock it takes.
 */
export async function lockPartnerRow(trx: Tx, partnerId: string): Promise<PartnerLock> {
  const partner = await trx
    .selectFrom('partners')
    .selectAll()
    .where('id', '=', partnerId)
    .forUpdate()
    .executeTakeFirst();
  if (!partner) throw notFound('Partner');
  return handle<PartnerLock>({ trx, partner });
}

/** The same lock after the partner's row changed under it (a renewed pool, a new cycle). */
export function withPartner(lock: PartnerLock, partner: PartnerRow): PartnerLock {
  return handle<PartnerLock>({ trx: lock.trx, partner });
}

/** Another partner's organization is indistinguishable from a missing one: both are 404. */
export async function lockOrganization(
  lock: PartnerLock,
  organizationId: string,
): Promise<OrganizationLock> {
  const organization = await lock.trx
    .selectFrom('organizations')
    .selectAll()
    .where('id', '=', organizationId)
    .where('partner_id', '=', lock.partner.id)
    .forUpdate()
    .executeTakeFirst();
  if (!organization) throw notFound('Organization');
  return handle<OrganizationLock>({ trx: lock.trx, partner: lock.partner, organization });
}

/**
 * Locks the accounts of the partner and of these organizations (every credit type, or one) in
 * the rank order. The organizations' rows must be locked already: the caller holds their
 * organization locks, or selected them FOR UPDATE under the partner lock as renewal does.
 */
export async function lockAccounts(
  lock: PartnerLock | OrganizationLock,
  organizationIds: readonly string[],
  creditType: string | null,
): Promise<LockedAccounts> {
  let query = lock.trx
    .selectFrom('accounts')
    .selectAll()
    .where('partner_id', '=', lock.partner.id)
    .where((eb) =>
      organizationIds.length > 0
        ? eb.or([eb('organization_id', 'is', null), eb('organization_id', 'in', organizationIds)])
        : eb('organization_id', 'is', null),
    );
  if (creditType !== null) query = query.where('credit_type', '=', creditType);
  const accounts = await query
    .orderBy(sql`ledger_lock_rank(kind)`)
    .orderBy('id')
    .forUpdate()
    .execute();
  return handle<LockedAccounts>({ trx: lock.trx, partner: lock.partner, accounts });
}

/** Opens (where missing) and locks a partner's own accounts in one credit type. */
export async function lockPartnerBooks(
  lock: PartnerLock,
  creditType: string,
): Promise<PartnerBooks> {
  await openAccounts(lock.trx, lock.partner.id, [], creditType);
  const { accounts } = await lockAccounts(lock, [], creditType);
  return handle<PartnerBooks>({
    trx: lock.trx,
    partner: lock.partner,
    accounts: accountsByKind(accounts, PARTNER_ACCOUNT_KINDS),
  });
}

/**
 * A customer's monetary credits in one monetary credit type, locked: a partner's wallet (the
 * operator's grants), or an organization's credit account (its partner's grants). Either way the
 * same accounts by role: the credits, the `applied` sink of what invoices took, the expiry and
 * void sinks, and the partner's issuance account they came from.
 */
export interface WalletBooks extends AccountsLock {
  readonly partner: PartnerRow;
  readonly creditType: string;
  readonly currency: Currency;
  readonly accounts: WalletAccounts;
}

/** The customer a lock is for: the organization of an organization lock, else the partner. */
export const customerOrganization = (
  lock: PartnerLock | OrganizationLock,
): OrganizationRow | null => ('organization' in lock ? lock.organization : null);

/**
 * Opens (where missing) and locks a customer's monetary credits in a monetary credit type: the
 * partner's wallet under a partner lock, the organization's under an organization lock. 422
 * not_monetary for a unit credit type (identification credits are the pool's), 422
 * unknown_credit_type for none.
 */
export async function lockWalletBooks(
  lock: PartnerLock | OrganizationLock,
  creditType: string,
): Promise<WalletBooks> {
  const { currency } = await requireCreditType(lock.trx, creditType);
  if (currency === null)
    throw refused({
      code: 'not_monetary',
      message: `"${creditType}" is not a monetary credit type; a partner's identification credits are its pool.`,
    });
  const organization = customerOrganization(lock);
  const base = { trx: lock.trx, partner: lock.partner, creditType, currency: currency as Currency };
  if (organization === null) {
    await openAccounts(lock.trx, lock.partner.id, [], creditType, WALLET_ACCOUNT_KINDS);
    const { accounts } = await lockAccounts(lock, [], creditType);
    return handle<WalletBooks>({
      ...base,
      accounts: accountsByKind(accounts, WALLET_ACCOUNT_KINDS),
    });
  }
  await openAccounts(
    lock.trx,
    lock.partner.id,
    [organization.id],
    creditType,
    PARTNER_ACCOUNT_KINDS,
    [...ORGANIZATION_ACCOUNT_KINDS, 'applied'],
  );
  const { accounts } = await lockAccounts(lock, [organization.id], creditType);
  const own = accounts.filter((a) => a.organization_id === organization.id);
  const {
    organization: credits,
    expiry,
    void: voided,
    applied,
  } = accountsByKind(own, ['organization', 'expiry', 'void', 'applied'] as const);
  const { issuance } = accountsByKind(
    accounts.filter((a) => a.organization_id === null),
    PARTNER_ACCOUNT_KINDS,
  );
  return handle<WalletBooks>({
    ...base,
    accounts: { wallet: credits, applied, expiry, void: voided, issuance },
  });
}

/**
 * The organization lock a set of books was taken under, to lock more after them: a monetary
 * credit type's accounts after a unit type's (a purchase invoiced in its grant's transaction).
 */
export function organizationLockOf(books: Books): OrganizationLock {
  return handle<OrganizationLock>({
    trx: books.trx,
    partner: books.partner,
    organization: books.organization,
  });
}

/** Opens (where missing) and locks the books of the locked organization in one credit type. */
export async function lockBooks(lock: OrganizationLock, creditType: string): Promise<Books> {
  const { trx, partner, organization } = lock;
  const { currency } = await requireCreditType(trx, creditType);
  await openAccounts(trx, partner.id, [organization.id], creditType);
  const { accounts } = await lockAccounts(lock, [organization.id], creditType);
  return handle<Books>({
    trx,
    partner,
    organization,
    creditType,
    accounts: {
      partner: accountsByKind(
        accounts.filter((a) => a.organization_id === null),
        PARTNER_ACCOUNT_KINDS,
      ),
      organization: accountsByKind(
        accounts.filter((a) => a.organization_id === organization.id),
        ORGANIZATION_ACCOUNT_KINDS,
      ),
    },
    pooled: drawsFromPool(partner.billing_mode) && creditType === DEFAULT_CREDIT_TYPE,
    currency: currency as Currency | null,
  });
}

/** A block of the locked accounts, locked last; the caller found it on one of them. */
export async function lockBlock(lock: AccountsLock, blockId: string) {
  return lock.trx
    .selectFrom('blocks')
    .selectAll()
    .where('id', '=', blockId)
    .forUpdate()
    .executeTakeFirstOrThrow();
}
