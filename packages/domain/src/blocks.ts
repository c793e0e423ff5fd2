import { ok, refuse, type RuleResult } from './common.ts';

/** What the ledger rules need to know about a block of credits. */
export interface BlockFacts {
  id: string;
  amount: number;
  remaining: number;
  priority: number;
  effectiveAt: Date;
  expiresAt: Date | null;
  createdAt: Date;
  voidedAt: Date | null;
}

export const GRANT_STATUSES = ['active', 'pending', 'expired', 'voided', 'depleted'] as const;
export type GrantStatus = (typeof GRANT_STATUSES)[number];

/** Expired at `now`: the instant of expiry itself is already too late. */
export const hasExpired = (block: Pick<BlockFacts, 'expiresAt'>, now: Date) =>
  block.expiresAt !== null && block.expiresAt.getTime() <= now.getTime();

/**
 * A block's status at `now`. A voided block stays voided; one that ran out is depleted even
 * after its expiry passes (nothing expired); otherwise the expiry decides, then the start.
 */
export function grantStatus(
  block: Pick<BlockFacts, 'remaining' | 'effectiveAt' | 'expiresAt' | 'voidedAt'> & {
    expiredAt: Date | null;
  },
  now: Date,
): GrantStatus {
  if (block.voidedAt) return 'voided';
  if (block.expiredAt) return 'expired';
  if (block.remaining === 0) return 'depleted';
  if (hasExpired(block, now)) return 'expired';
  if (block.effectiveAt.getTime() > now.getTime()) return 'pending';
  return 'active';
}

/** A new or changed expiry must lie ahead: after `now` and after the block takes effect. */
export function checkExpiry(
  expiresAt: Date | null,
  effectiveAt: Date,
  now: Date,
): RuleResult<Date | null> {
  if (expiresAt === null) return ok(null);
  if (expiresAt.getTime() <= now.getTime()) {
    return refuse('expiry_in_past', 'expiresAt must be in the future; void the grant instead.');
  }
  if (expiresAt.getTime() <= effectiveAt.getTime()) {
    return refuse('expiry_before_effective', 'expiresAt must be after effectiveAt.');
  }
  return ok(expiresAt);
}
