import {
  defined,
  checkExpiry,
  checkPoolRoom,
  checkReceivesCredits,
  checkTierChange,
  checkTrialCap,
  DEFAULT_CREDIT_TYPE,
  DEFAULT_PRIORITY,
  allowsOverage,
  ORGANIZATION_ACCOUNT_KINDS,
  PARTNER_ACCOUNT_KINDS,
  type AccountKind,
  drawsFromPool,
  EXPIRING_SOON_DAYS,
  GRANT_KINDS,
  grantStatus,
  hasExpired,
  ok,
  periodContaining,
  planAllocation,
  refuse,
  renewalGrant,
  trialRoom,
  type Balance,
  type BillingCycle,
  type BillingMode,
  type BillingPeriod,
  type BlockFacts,
  type BlockKind,
  type ConsumeResult,
  type EntryType,
  type GrantStatus,
  type Holdings,
  type OrganizationStatus,
  type Period,
  type RuleResult,
  type RuleViolation,
  type Tier,
} from '@allot/domain';

/**
 * The model's own statement of spendability and burn order: an oracle written apart from the
 * SQL it checks (`ledger_spendable` and `spendable_blocks`, the product's one definition).
 * Spendable: effective, not expired, not voided.
 */
const isSpendable = (block: BlockFacts, now: Date) =>
  block.remaining > 0 &&
  block.voidedAt === null &&
  block.effectiveAt.getTime() <= now.getTime() &&
  !hasExpired(block, now);

/**
 * Burn order: priority ascending, then expiry ascending (no expiry last), then creation, then
 * id.
 */
function burnOrder(a: BlockFacts, b: BlockFacts): number {
  if (a.priority !== b.priority) return a.priority - b.priority;
  const ea = a.expiresAt?.getTime() ?? Infinity;
  const eb = b.expiresAt?.getTime() ?? Infinity;
  if (ea !== eb) return ea < eb ? -1 : 1;
  const ca = a.createdAt.getTime();
  const cb = b.createdAt.getTime();
  if (ca !== cb) return ca - cb;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * A pure, in-memory reference model of ONE partner's credit ledger in the default credit type
 * (`identification`). It is the ledger rules of DESIGN.md written down as plain code, using the
 * domain's own rules (allocation, renewal, periods, trial cap, expiry checks, overage) and its
 * own statement of spendability and burn order (above), so a property test can run the same random steps against it and against the
 * database and demand that both agree after every step.
 *
 * What it keeps is what the database keeps: accounts with a balance and their entries, blocks
 * with their remainders, the organizations' periods. Every movement is a transfer between two
 * accounts, written as one entry on each, in the order the services write them, so even the
 * per-account sequence numbers and balances after each entry are predicted.
 *
 * The services renew periods lazily (every write, and every read, first renews what has ended).
 * The model renews at the moment its clock is advanced; a test that reads after every advance
 * sees the same thing.
 */

// ---------------------------------------------------------------------------------------------
// Accounts, blocks and entries

/** An account is named by its owner (an organization id, or null for the partner) and kind. */
export const accountKey = (organizationId: string | null, kind: AccountKind): string =>
  `${organizationId ?? 'partner'}/${kind}`;

export interface ModelEntry {
  type: EntryType;
  /** Signed: positive into the account. */
  amount: number;
  balanceAfter: number;
  /** 1, 2, 3, ... per account. */
  sequence: number;
  /** The block the credits left or entered on this account's side (null for none). */
  blockId: string | null;
  createdAt: Date;
}

export interface ModelAccount {
  key: string;
  organizationId: string | null;
  kind: AccountKind;
  balance: number;
  entries: ModelEntry[];
  /** The current period's counters (kept on the account row in the database). */
  periodCredited: number;
  periodConsumed: number;
  periodOverage: number;
  periodShortfall: number;
}

/** A block of credits on an account; `remaining` is the raw remainder, as stored. */
export interface ModelBlock extends BlockFacts {
  account: string;
  kind: BlockKind;
  /** Set when the sweeper (a renewal) wrote the expiration entry. */
  expiredAt: Date | null;
}

/** A block as the API shows it: nothing remains of an expired or voided block. */
export interface GrantView {
  id: string;
  kind: BlockKind;
  amount: number;
  remaining: number;
  status: GrantStatus;
  priority: number;
  effectiveAt: string;
  expiresAt: string | null;
  createdAt: string;
}

export interface ModelOrganization {
  id: string;
  status: OrganizationStatus;
  tier: Tier;
  /** Granted again at every period start. */
  creditAllowance: number;
  cycle: BillingCycle;
  period: Period;
}

/** A movement between two accounts, as the services post it. */
interface Transfer {
  from: string;
  to: string;
  amount: number;
  type: EntryType;
  fromBlock?: string | null;
  toBlock?: string | null;
}

/** A part of a block's credits, taken by a draw. */
interface Portion {
  block: ModelBlock;
  amount: number;
}

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);
const remainderOf = (blocks: readonly ModelBlock[]) => sum(blocks.map((b) => b.remaining));
const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** A refusal passed on unchanged, whatever value the result it came from would have carried. */
const refusal = <T>(result: { ok: false; violation: RuleViolation }): RuleResult<T> => ({
  ok: false,
  violation: result.violation,
});

// ---------------------------------------------------------------------------------------------
// The model

export interface LedgerModelOptions {
  mode: BillingMode;
  /** What the pool is refilled to at each partner period start (credit_pool only). */
  poolCredits: number;
  billingPeriod?: BillingPeriod;
  billingDayOfMonth?: number;
  /** When the partner is onboarded: the model's clock starts here. */
  now: Date;
}

export interface NewOrganization {
  /** The organization's id; renewals draw from the pool in id order. */
  id: string;
  tier?: Tier;
  creditAllowance?: number;
  billingPeriod?: BillingPeriod;
  billingDayOfMonth?: number;
}

export interface NewGrant {
  amount: number;
  kind?: 'promotional' | 'compensation' | 'purchased';
  priority?: number;
  /** Default now; later means pending. */
  effectiveAt?: Date;
  /** Default never. */
  expiresAt?: Date | null;
}

export class LedgerModel {
  readonly mode: BillingMode;
  readonly poolCredits: number;
  readonly partnerCycle: BillingCycle;
  private clock: Date;
  private poolPeriodNow: Period;
  private readonly accountsByKey = new Map<string, ModelAccount>();
  private readonly blockList: ModelBlock[] = [];
  private readonly organizations = new Map<string, ModelOrganization>();
  /** Consumptions that carried an idempotency key, by organization and key. */
  private readonly consumptions = new Map<string, { charged: number; overage: number }>();
  private blocksCreated = 0;

  /** Onboards the partner: its accounts, and its first pool period's credits (credit_pool). */
  constructor(options: LedgerModelOptions) {
    this.mode = options.mode;
    this.poolCredits = options.poolCredits;
    this.clock = options.now;
    this.partnerCycle = {
      period: options.billingPeriod ?? 'monthly',
      dayOfMonth: options.billingDayOfMonth ?? 1,
      anchor: options.now,
    };
    this.poolPeriodNow = periodContaining(options.now, this.partnerCycle);
    for (const kind of PARTNER_ACCOUNT_KINDS) this.openAccount(null, kind);
    this.fundPool(this.poolPeriodNow);
  }

  get now(): Date {
    return this.clock;
  }

  get poolPeriod(): Period {
    return this.poolPeriodNow;
  }

  /** Every block ever created, in creation order. */
  get blocks(): readonly ModelBlock[] {
    return this.blockList;
  }

  get accounts(): readonly ModelAccount[] {
    return [...this.accountsByKey.values()];
  }

  // ------------------------------------------------------------------------------- the clock

  /** Moves the clock forward and renews every period that has ended by then. */
  advanceTo(at: Date): void {
    if (at.getTime() < this.clock.getTime()) throw new Error('the clock never runs backwards');
    this.clock = at;
    this.renewDue();
  }

  // ------------------------------------------------------------------------- organizations

  /** A new organization starts its first period empty; its allowance comes at each renewal. */
  addOrganization(input: NewOrganization): RuleResult<ModelOrganization> {
    this.renewDue();
    const tier = input.tier ?? 'trial';
    const creditAllowance = input.creditAllowance ?? 0;
    const allowed = checkTierChange(tier, creditAllowance);
    if (!allowed.ok) return refusal(allowed);
    const cycle: BillingCycle = {
      period: input.billingPeriod ?? 'monthly',
      dayOfMonth: input.billingDayOfMonth ?? 1,
      anchor: this.clock,
    };
    const org: ModelOrganization = {
      id: input.id,
      status: 'active',
      tier,
      creditAllowance,
      cycle,
      period: periodContaining(this.clock, cycle),
    };
    this.organizations.set(org.id, org);
    for (const kind of ORGANIZATION_ACCOUNT_KINDS) this.openAccount(org.id, kind);
    return ok(org);
  }

  /** Enabling activates; disabling suspends. Nothing moves: a suspended organization just stops. */
  setStatus(organizationId: string, enabled: boolean): void {
    const org = this.organization(organizationId);
    org.status = enabled ? 'active' : org.status === 'canceled' ? 'canceled' : 'suspended';
  }

  /**
   * `DELETE`: the organization is canceled and its unspent allocation is given back, as lowering
   * the allocation to what it consumed of it would; its grants stay. A second delete does nothing.
   */
  remove(organizationId: string): void {
    this.renewDue();
    const org = this.organization(organizationId);
    if (org.status === 'canceled') return;
    const consumed = this.organizationState(org.id).allocationConsumed;
    const lowered = this.setAllocation(org.id, Math.max(0, consumed));
    if (!lowered.ok) throw new Error(`model: deleting refused: ${lowered.violation.code}`);
    org.status = 'canceled';
  }

  // --------------------------------------------------------------------------- allocation

  /**
   * `PUT .../credits`: sets this period's allocation. A raise draws from the source (the pool in
   * credit_pool mode) into a new allocation block that lapses at the organization's period end.
   * A lowering takes back unspent allocation and renewal blocks, the ones that would burn last
   * first, and returns them to the pool as far as this pool period lent them, else to issuance.
   */
  setAllocation(organizationId: string, target: number): RuleResult<number> {
    this.renewDue();
    const org = this.organization(organizationId);
    const account = this.account(org.id, 'organization');
    const held = this.holdings(org);
    const pool = this.pooled ? this.pool() : { total: 0, available: 0, allocated: 0 };
    const plan = planAllocation(
      {
        mode: this.mode,
        tier: org.tier,
        status: org.status,
        allocated: account.periodCredited,
        // What was consumed of the allocation is what of it is no longer there (credits burnt
        // from grants do not count: see AllocationState.consumed).
        consumed: account.periodCredited - held.allocationRemaining,
        unexpired: held.unexpired,
        pool: { total: pool.total, allocated: pool.allocated },
      },
      target,
    );
    if (!plan.ok) return plan;
    const delta = plan.value;
    if (delta > 0) {
      const credited = this.credit(
        org,
        {
          kind: 'allocation',
          amount: delta,
          effectiveAt: org.period.start,
          expiresAt: org.period.end,
        },
        'allocation',
      );
      if (!credited.ok) return refusal(credited);
    } else if (delta < 0) {
      const allocated = this.spendable(account.key)
        .filter((b) => b.kind === 'allocation' || b.kind === 'renewal')
        .reverse();
      this.release(org, this.draw(allocated, -delta), 'reclaim', accountKey(null, 'issuance'));
    }
    if (delta !== 0) account.periodCredited = target;
    return ok(delta);
  }

  // -------------------------------------------------------------------------------- grants

  /**
   * A grant: a new block with its own kind, priority, start and expiry, drawn from the pool in
   * credit_pool mode (from issuance otherwise). A trial organization's unexpired credits may
   * not pass the cap.
   */
  createGrant(organizationId: string, input: NewGrant): RuleResult<ModelBlock> {
    this.renewDue();
    const org = this.organization(organizationId);
    const receives = checkReceivesCredits(org.status);
    if (!receives.ok) return refusal(receives);
    const effectiveAt = input.effectiveAt ?? this.clock;
    const expiresAt = checkExpiry(input.expiresAt ?? null, effectiveAt, this.clock);
    if (!expiresAt.ok) return refusal(expiresAt);
    const held = this.holdings(org);
    const capped = checkTrialCap(org.tier, { ...held, unexpired: held.unexpired + input.amount });
    if (!capped.ok) return refusal(capped);
    return this.credit(
      org,
      {
        kind: input.kind ?? 'promotional',
        amount: input.amount,
        priority: input.priority ?? DEFAULT_PRIORITY,
        effectiveAt,
        expiresAt: expiresAt.value,
      },
      'increment',
    );
  }

  /**
   * Voids a grant: its unspent remainder leaves the organization, back to the pool as far as this
   * pool period lent it (credit_pool), the rest to the organization's void sink.
   */
  voidGrant(organizationId: string, blockId: string): RuleResult<GrantView> {
    this.renewDue();
    const org = this.organization(organizationId);
    const found = this.changeableGrant(org, blockId);
    if (!found.ok) return refusal(found);
    const block = found.value;
    const remaining = block.remaining;
    block.remaining = 0;
    block.voidedAt = this.clock;
    if (remaining > 0) {
      this.release(org, [{ block, amount: remaining }], 'void', accountKey(org.id, 'void'));
    }
    return ok(this.grantView(block));
  }

  /** Moves a grant's expiry (null: never). Nothing moves in the ledger. */
  setGrantExpiry(
    organizationId: string,
    blockId: string,
    expiresAt: Date | null,
  ): RuleResult<GrantView> {
    this.renewDue();
    const org = this.organization(organizationId);
    const found = this.changeableGrant(org, blockId);
    if (!found.ok) return refusal(found);
    const block = found.value;
    const checked = checkExpiry(expiresAt, block.effectiveAt, this.clock);
    if (!checked.ok) return refusal(checked);
    block.expiresAt = checked.value;
    return ok(this.grantView(block));
  }

  // ----------------------------------------------------------------- consumption, amendments

  /**
   * Consumes credits in burn order: all or nothing, except in usage_based mode where the rest
   * is overage (issued on credit and consumed at once). A key makes a retry answer the first
   * result and change nothing; a refusal records nothing.
   */
  consume(organizationId: string, amount = 1, idempotencyKey: string | null = null): ConsumeResult {
    this.renewDue();
    const org = this.organization(organizationId);
    const key = idempotencyKey === null ? null : `${org.id}\u0000${idempotencyKey}`;
    const first = key === null ? undefined : this.consumptions.get(key);
    if (first) return { granted: true, reason: null, ...first, replayed: true };
    if (org.status !== 'active') {
      return {
        granted: false,
        reason: 'organization_inactive',
        charged: 0,
        overage: 0,
        replayed: false,
      };
    }
    const burned = this.burn(org, amount, 'decrement');
    if (!burned) {
      return {
        granted: false,
        reason: 'insufficient_credits',
        charged: 0,
        overage: 0,
        replayed: false,
      };
    }
    if (key !== null) this.consumptions.set(key, burned);
    return { granted: true, reason: null, ...burned, replayed: false };
  }

  /**
   * A correction of consumption. Positive: consumed credits come back from the consumption sink
   * (at most what was ever consumed, net) as a block lapsing with the period. Negative: charged
   * exactly like a consumption, in burn order (refused as insufficient_credits whenever the
   * burn is, a suspended organization included).
   */
  amend(organizationId: string, amount: number): RuleResult<Balance> {
    this.renewDue();
    const org = this.organization(organizationId);
    const receives = checkReceivesCredits(org.status);
    if (!receives.ok) return refusal(receives);
    if (amount > 0) {
      const consumed = this.account(org.id, 'consumption').balance;
      if (amount > consumed) {
        return refuse(
          'amendment_exceeds_consumption',
          `The organization has consumed ${consumed} credits in all; an amendment gives back at most that.`,
        );
      }
      const held = this.holdings(org);
      const capped = checkTrialCap(org.tier, { ...held, unexpired: held.unexpired + amount });
      if (!capped.ok) return refusal(capped);
      const account = this.account(org.id, 'organization');
      const block = this.insertBlock({
        account: account.key,
        kind: 'amendment',
        amount,
        effectiveAt: org.period.start,
        expiresAt: org.period.end,
      });
      this.post([
        {
          from: accountKey(org.id, 'consumption'),
          to: account.key,
          amount,
          type: 'amendment',
          toBlock: block.id,
        },
      ]);
      account.periodConsumed = Math.max(account.periodConsumed - amount, 0);
    } else if (!this.burn(org, -amount, 'amendment')) {
      return refuse(
        'insufficient_credits',
        'An amendment cannot take the balance below zero (outside usage_based).',
      );
    }
    return ok(this.balanceOf(org.id));
  }

  // --------------------------------------------------------------------------------- views

  /** What `readBalances` answers for the organization. */
  balanceOf(organizationId: string): Balance {
    const org = this.organization(organizationId);
    const account = this.account(org.id, 'organization');
    const spendable = this.spendable(account.key);
    const soon = this.clock.getTime() + EXPIRING_SOON_DAYS * 86_400_000;
    const expiries = spendable.flatMap((b) => (b.expiresAt ? [b.expiresAt.getTime()] : []));
    return {
      creditType: DEFAULT_CREDIT_TYPE,
      currency: null,
      available: remainderOf(spendable),
      pending: 0,
      used: account.periodConsumed,
      allocated: account.periodCredited,
      expiringSoon: remainderOf(
        spendable.filter((b) => b.expiresAt !== null && b.expiresAt.getTime() <= soon),
      ),
      overage: account.periodOverage,
      nextExpiry: expiries.length > 0 ? new Date(Math.min(...expiries)).toISOString() : null,
      renewalShortfall: account.periodShortfall,
    };
  }

  /** The organization's blocks as `listGrants` shows them: newest first. */
  grantsOf(organizationId: string): GrantView[] {
    const key = accountKey(this.organization(organizationId).id, 'organization');
    return this.blockList
      .filter((b) => b.account === key)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || byId(b, a))
      .map((b) => this.grantView(b));
  }

  grantView(block: ModelBlock): GrantView {
    const status = grantStatus(block, this.clock);
    return {
      id: block.id,
      kind: block.kind,
      amount: block.amount,
      remaining: status === 'expired' || status === 'voided' ? 0 : block.remaining,
      status,
      priority: block.priority,
      effectiveAt: block.effectiveAt.toISOString(),
      expiresAt: block.expiresAt?.toISOString() ?? null,
      createdAt: block.createdAt.toISOString(),
    };
  }

  /** The pool's current period: what it was given, what is undrawn, what is drawn. */
  pool(): { total: number; available: number; allocated: number } {
    const total = this.account(null, 'pool').periodCredited;
    const available = remainderOf(this.spendable(accountKey(null, 'pool')));
    return { total, available, allocated: total - available };
  }

  /** The pool and usage numbers of `getBilling` for the partner's current period. */
  billing() {
    const pooled = this.pooled;
    const pool = this.pool();
    const { start, end } = this.poolPeriodNow;
    const inPeriod = (e: ModelEntry) =>
      e.createdAt.getTime() >= start.getTime() && e.createdAt.getTime() < end.getTime();
    const entries = (kind: AccountKind) =>
      this.accounts.filter((a) => a.kind === kind).flatMap((a) => a.entries.filter(inPeriod));
    const used = sum(entries('consumption').map((e) => e.amount));
    const overage = sum(
      entries('organization')
        .filter((e) => e.type === 'overage')
        .map((e) => e.amount),
    );
    return {
      currentPeriod: { start: start.toISOString(), end: end.toISOString() },
      creditPoolTotal: pooled ? pool.total : null,
      creditsAllocated: pooled ? pool.allocated : null,
      creditsUnallocated: pooled ? pool.available : null,
      creditsUsed: used,
      overage,
      creditsRemaining: pooled ? pool.total - used : null,
    };
  }

  /** What the allocation rules see of an organization now. */
  organizationState(organizationId: string) {
    const org = this.organization(organizationId);
    const account = this.account(org.id, 'organization');
    return {
      ...org,
      allocated: account.periodCredited,
      allocationConsumed: account.periodCredited - this.holdings(org).allocationRemaining,
      consumedInAll: this.account(org.id, 'consumption').balance,
    };
  }

  accountOf(organizationId: string | null, kind: AccountKind): ModelAccount {
    return this.account(organizationId, kind);
  }

  /**
   * The ledger's invariants; a violation means the model itself is wrong. Accounts sum to zero,
   * only issuance is ever negative, and an account holding blocks holds exactly their remainders.
   */
  checkInvariants(): void {
    const accounts = this.accounts;
    const total = sum(accounts.map((a) => a.balance));
    if (total !== 0) throw new Error(`model: the accounts sum to ${total}`);
    for (const account of accounts) {
      if (account.kind !== 'issuance' && account.balance < 0)
        throw new Error(`model: ${account.key} is negative (${account.balance})`);
      if (account.kind === 'pool' || account.kind === 'organization') {
        const held = remainderOf(this.blockList.filter((b) => b.account === account.key));
        if (held !== account.balance)
          throw new Error(
            `model: ${account.key} balance ${account.balance} but blocks hold ${held}`,
          );
      }
      const last = account.entries.at(-1);
      if ((last?.balanceAfter ?? 0) !== account.balance)
        throw new Error(`model: ${account.key} last entry disagrees with its balance`);
    }
  }

  // ------------------------------------------------------------------------------ renewals

  private get pooled(): boolean {
    return drawsFromPool(this.mode);
  }

  /** What every service does first: renew the pool, then each organization whose period ended. */
  private renewDue(): void {
    if (this.poolPeriodNow.end.getTime() <= this.clock.getTime()) this.refreshPool();
    const due = [...this.organizations.values()]
      .filter((org) => org.period.end.getTime() <= this.clock.getTime())
      .sort(byId);
    if (due.length > 0) this.renewOrganizations(due);
  }

  /** A new pool period: the old remainder expires; the pool refills to `poolCredits`. */
  private refreshPool(): void {
    const period = periodContaining(this.clock, this.partnerCycle);
    const transfers = this.expire([accountKey(null, 'pool')]);
    this.post(transfers);
    this.fundPool(period);
    this.poolPeriodNow = period;
  }

  /** Issues the pool's credits for a period (credit_pool mode; other modes have no pool). */
  private fundPool(period: Period): void {
    const total = this.pooled ? this.poolCredits : 0;
    const pool = this.account(null, 'pool');
    if (total > 0) {
      const block = this.insertBlock({
        account: pool.key,
        kind: 'pool',
        amount: total,
        effectiveAt: period.start,
        expiresAt: period.end,
      });
      this.post([
        {
          from: accountKey(null, 'issuance'),
          to: pool.key,
          amount: total,
          type: 'renewal',
          toBlock: block.id,
        },
      ]);
    }
    pool.periodCredited = total;
  }

  /**
   * New periods for organizations (in id order): their expired blocks expire (the last period's
   * allocation among them), and each active one is granted its allowance again, from the pool
   * in credit_pool mode as far as the pool reaches; what it could not cover is the shortfall.
   * Nothing rolls over. A trial organization's grant fits the room its cap leaves beside the
   * unexpired credits it still holds.
   */
  private renewOrganizations(due: ModelOrganization[]): void {
    const transfers = this.expire(due.map((org) => accountKey(org.id, 'organization')));
    const poolBlocks = this.pooled ? this.spendable(accountKey(null, 'pool')) : [];
    let poolLeft = remainderOf(poolBlocks);
    const renewals = due.map((org) => {
      const active = org.status === 'active';
      // The new period's allocation is this grant: nothing of it is allocated yet.
      const room = trialRoom(org.tier, { ...this.holdings(org), allocated: 0 });
      const grant = active ? renewalGrant(this.mode, org.creditAllowance, poolLeft, room) : 0;
      if (this.pooled) poolLeft -= grant;
      return {
        org,
        grant,
        shortfall: active ? org.creditAllowance - grant : 0,
        period: periodContaining(this.clock, org.cycle),
      };
    });
    const granted = renewals.filter((r) => r.grant > 0);
    // Every renewal block is inserted before any transfer is drawn.
    const renewed = granted.map((r) => ({
      r,
      toBlock: this.insertBlock({
        account: accountKey(r.org.id, 'organization'),
        kind: 'renewal',
        amount: r.grant,
        effectiveAt: r.period.start,
        expiresAt: r.period.end,
      }).id,
    }));
    renewed.forEach(({ r, toBlock }) => {
      const to = accountKey(r.org.id, 'organization');
      if (this.pooled) {
        for (const portion of this.draw(poolBlocks, r.grant)) {
          transfers.push({
            from: accountKey(null, 'pool'),
            to,
            amount: portion.amount,
            type: 'renewal',
            fromBlock: portion.block.id,
            toBlock,
          });
        }
      } else {
        const from = accountKey(null, 'issuance');
        transfers.push({ from, to, amount: r.grant, type: 'renewal', toBlock });
      }
    });
    this.post(transfers);
    for (const r of renewals) {
      for (const kind of ORGANIZATION_ACCOUNT_KINDS) {
        const account = this.account(r.org.id, kind);
        account.periodCredited = kind === 'organization' ? r.grant : 0;
        account.periodConsumed = 0;
        account.periodOverage = 0;
        account.periodShortfall = kind === 'organization' ? r.shortfall : 0;
      }
      r.org.period = r.period;
    }
  }

  /**
   * The sweeper: every block of these accounts that expired with credits left moves its
   * remainder to its owner's expiry sink. (The credits were unspendable already.)
   */
  private expire(accounts: readonly string[]): Transfer[] {
    // Only a block with an expiry has expired.
    const expiryOf = (block: ModelBlock) => defined(block.expiresAt, 'the expiry').getTime();
    const expired = this.blockList
      .filter(
        (b) =>
          accounts.includes(b.account) &&
          b.remaining > 0 &&
          b.voidedAt === null &&
          hasExpired(b, this.clock),
      )
      .sort(
        (a, b) =>
          (a.account < b.account ? -1 : a.account > b.account ? 1 : 0) ||
          expiryOf(a) - expiryOf(b) ||
          byId(a, b),
      );
    return expired.map((block) => {
      const owner = defined(
        this.accountsByKey.get(block.account),
        "the block's account",
      ).organizationId;
      const transfer: Transfer = {
        from: block.account,
        to: accountKey(owner, 'expiry'),
        amount: block.remaining,
        type: 'expiration',
        fromBlock: block.id,
      };
      block.remaining = 0;
      block.expiredAt = this.clock;
      return transfer;
    });
  }

  // ------------------------------------------------------------------------------- helpers

  /**
   * What an organization holds now: the `Holdings` the trial cap counts (its allocation, its
   * unexpired credits, pending ones too), what it can spend, its unspent allocation.
   */
  private holdings(org: ModelOrganization): Holdings & {
    available: number;
    allocationRemaining: number;
  } {
    const key = accountKey(org.id, 'organization');
    const spendable = this.spendable(key);
    return {
      allocated: this.account(org.id, 'organization').periodCredited,
      available: remainderOf(spendable),
      unexpired: remainderOf(
        this.blockList.filter(
          (b) => b.account === key && b.voidedAt === null && !hasExpired(b, this.clock),
        ),
      ),
      allocationRemaining: remainderOf(
        spendable.filter((b) => b.kind === 'allocation' || b.kind === 'renewal'),
      ),
    };
  }

  /** An account's spendable blocks, in burn order. */
  private spendable(account: string): ModelBlock[] {
    return this.blockList
      .filter((b) => b.account === account && isSpendable(b, this.clock))
      .sort(burnOrder);
  }

  /** Takes `amount` from the blocks in the order given; the caller made sure they hold enough. */
  private draw(blocks: readonly ModelBlock[], amount: number): Portion[] {
    const portions: Portion[] = [];
    let wanted = amount;
    for (const block of blocks) {
      if (wanted === 0) break;
      const take = Math.min(block.remaining, wanted);
      if (take === 0) continue;
      block.remaining -= take;
      wanted -= take;
      portions.push({ block, amount: take });
    }
    if (wanted > 0) throw new Error('model: the blocks hold fewer credits than the draw needs');
    return portions;
  }

  /**
   * Moves credits into the organization as a new block: from the pool (which must hold enough)
   * in credit_pool mode, one transfer per pool block drawn; from issuance otherwise.
   */
  private credit(
    org: ModelOrganization,
    block: Pick<ModelBlock, 'kind' | 'amount' | 'effectiveAt' | 'expiresAt'> & {
      priority?: number;
    },
    type: 'allocation' | 'increment',
  ): RuleResult<ModelBlock> {
    const poolKey = accountKey(null, 'pool');
    let portions: Portion[] | null = null;
    if (this.pooled) {
      const poolBlocks = this.spendable(poolKey);
      const drawn = checkPoolRoom(remainderOf(poolBlocks), block.amount);
      if (!drawn.ok) return refusal(drawn);
      portions = this.draw(poolBlocks, block.amount);
    }
    const to = accountKey(org.id, 'organization');
    const row = this.insertBlock({ ...block, account: to });
    this.post(
      portions
        ? portions.map((p) => ({
            from: poolKey,
            to,
            amount: p.amount,
            type,
            fromBlock: p.block.id,
            toBlock: row.id,
          }))
        : [{ from: accountKey(null, 'issuance'), to, amount: block.amount, type, toBlock: row.id }],
    );
    return ok(row);
  }

  /**
   * Credits leaving an organization (a lowered allocation, a void). In credit_pool mode they go
   * back to the pool, as one new pool block, as far as this pool period lent credits out;
   * credits of an earlier pool period lapsed with it, so the rest leaves to `elsewhere`.
   */
  private release(
    org: ModelOrganization,
    portions: Portion[],
    type: 'reclaim' | 'void',
    elsewhere: string,
  ): void {
    const poolKey = accountKey(null, 'pool');
    const total = sum(portions.map((p) => p.amount));
    let left = 0;
    let poolBlock: ModelBlock | null = null;
    if (this.pooled && total > 0) {
      left = Math.min(total, this.pool().allocated);
      if (left > 0) {
        poolBlock = this.insertBlock({
          account: poolKey,
          kind: 'pool',
          amount: left,
          effectiveAt: this.poolPeriodNow.start,
          expiresAt: this.poolPeriodNow.end,
        });
      }
    }
    const from = accountKey(org.id, 'organization');
    const transfers: Transfer[] = [];
    for (const portion of portions) {
      const back = Math.min(left, portion.amount);
      left -= back;
      const fromBlock = portion.block.id;
      if (back > 0)
        transfers.push({
          from,
          to: poolKey,
          amount: back,
          type,
          fromBlock,
          // Credits go back only while `left` lasts, which is the pool block's amount.
          toBlock: defined(poolBlock, 'the pool block').id,
        });
      if (portion.amount > back)
        transfers.push({ from, to: elsewhere, amount: portion.amount - back, type, fromBlock });
    }
    this.post(transfers);
  }

  /**
   * Burns in burn order (what `ledger_consume` does): one transfer per block touched, both
   * entries naming the block; in usage_based mode the rest is issued as overage and consumed.
   * Null when the organization does not hold enough (outside usage_based): nothing changes.
   */
  private burn(
    org: ModelOrganization,
    amount: number,
    type: 'decrement' | 'amendment',
  ): { charged: number; overage: number } | null {
    const account = this.account(org.id, 'organization');
    const sink = accountKey(org.id, 'consumption');
    const blocks = this.spendable(account.key);
    if (remainderOf(blocks) < amount && !allowsOverage(this.mode)) return null;
    const portions = this.draw(blocks, Math.min(amount, remainderOf(blocks)));
    this.post(
      portions.map((p) => ({
        from: account.key,
        to: sink,
        amount: p.amount,
        type,
        fromBlock: p.block.id,
        toBlock: p.block.id,
      })),
    );
    const charged = sum(portions.map((p) => p.amount));
    const overage = amount - charged;
    if (overage > 0) {
      this.post([
        { from: accountKey(null, 'issuance'), to: account.key, amount: overage, type: 'overage' },
        { from: account.key, to: sink, amount: overage, type },
      ]);
    }
    account.periodConsumed += amount;
    account.periodOverage += overage;
    return { charged, overage };
  }

  /**
   * A grant that may still be voided or have its expiry changed: a block of a grant kind
   * (promotional, compensation, purchased), not an allocation, a renewal or an amendment.
   */
  private changeableGrant(org: ModelOrganization, blockId: string): RuleResult<ModelBlock> {
    const block = this.blockList.find(
      (b) => b.id === blockId && b.account === accountKey(org.id, 'organization'),
    );
    if (!block) return refuse('not_found', 'Grant not found');
    const status = grantStatus(block, this.clock);
    if (status === 'voided') return refuse('grant_voided', 'This grant is already voided.');
    if (status === 'expired') return refuse('grant_expired', 'This grant has expired.');
    if (!GRANT_KINDS.some((kind) => kind === block.kind)) {
      return refuse('not_a_grant', 'Only grants are voided or change their expiry.');
    }
    return ok(block);
  }

  /** Writes transfers in order: one entry on each side, with balance after and sequence. */
  private post(transfers: readonly Transfer[]): void {
    for (const t of transfers) {
      if (!Number.isSafeInteger(t.amount) || t.amount <= 0)
        throw new Error(`model: transfer amount ${t.amount}`);
      this.write(t.from, -t.amount, t.type, t.fromBlock ?? null);
      this.write(t.to, t.amount, t.type, t.toBlock ?? null);
    }
  }

  private write(key: string, amount: number, type: EntryType, blockId: string | null): void {
    const account = this.accountsByKey.get(key);
    if (!account) throw new Error(`model: no account ${key}`);
    account.balance += amount;
    if (account.kind !== 'issuance' && account.balance < 0)
      throw new Error(`model: ${key} would go negative`);
    account.entries.push({
      type,
      amount,
      balanceAfter: account.balance,
      sequence: account.entries.length + 1,
      blockId,
      createdAt: this.clock,
    });
  }

  private insertBlock(
    block: Pick<ModelBlock, 'account' | 'kind' | 'amount' | 'effectiveAt' | 'expiresAt'> & {
      priority?: number;
    },
  ): ModelBlock {
    this.blocksCreated += 1;
    const row: ModelBlock = {
      // Zero-padded, so ids sort in creation order, as the database's time-ordered ids do.
      id: `block-${String(this.blocksCreated).padStart(6, '0')}`,
      account: block.account,
      kind: block.kind,
      amount: block.amount,
      remaining: block.amount,
      priority: block.priority ?? DEFAULT_PRIORITY,
      effectiveAt: block.effectiveAt,
      expiresAt: block.expiresAt,
      createdAt: this.clock,
      voidedAt: null,
      expiredAt: null,
    };
    this.blockList.push(row);
    return row;
  }

  private openAccount(organizationId: string | null, kind: AccountKind): void {
    const key = accountKey(organizationId, kind);
    this.accountsByKey.set(key, {
      key,
      organizationId,
      kind,
      balance: 0,
      entries: [],
      periodCredited: 0,
      periodConsumed: 0,
      periodOverage: 0,
      periodShortfall: 0,
    });
  }

  private account(organizationId: string | null, kind: AccountKind): ModelAccount {
    const account = this.accountsByKey.get(accountKey(organizationId, kind));
    if (!account) throw new Error(`model: no account ${accountKey(organizationId, kind)}`);
    return account;
  }

  private organization(organizationId: string): ModelOrganization {
    const org = this.organizations.get(organizationId);
    if (!org) throw new Error(`model: no organization ${organizationId}`);
    return org;
  }
}
