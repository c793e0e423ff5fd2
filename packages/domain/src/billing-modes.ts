import { z } from 'zod';

export const BILLING_MODES = ['credit_pool', 'external', 'usage_based'] as const;
export type BillingMode = (typeof BILLING_MODES)[number];
export const billingModeSchema = z.enum(BILLING_MODES);

/** Only `credit_pool` partners draw organization credits from a capped pool. */
export const drawsFromPool = (mode: BillingMode) => mode === 'credit_pool';

/**
 * Only `usage_based` organizations may consume past the credits they hold: the rest is overage,
 * billed afterwards. The database's `ledger_allows_overage` is the same rule (a test compares).
 */
export const allowsOverage = (mode: BillingMode) => mode === 'usage_based';
