import { z } from 'zod';
import { idSchema } from './common.ts';
import { createGrantInput, creditTypeKeySchema, reasonSchema } from './credits.ts';
import { GRANT_STATUSES } from './blocks.ts';
import { amountSchema, currencySchema } from './money.ts';
import { pageQueryFields } from './paging.ts';
import { text } from './text.ts';

/**
 * A customer's monetary credits: the operator grants them to a partner (service credits,
 * prepayments) in a monetary credit type, where one credit is one minor unit (5000 USD credits
 * are $50.00). An invoice applies them at issue, soonest expiring first, up to its total; they
 * are `pending` until it is paid and come back if it is voided.
 */
export const createWalletGrantInput = createGrantInput
  .omit({ organizationId: true, costBasis: true, creditType: true })
  .extend({
    partnerId: idSchema,
    creditType: creditTypeKeySchema.describe('A monetary credit type, e.g. usd'),
  });
export type CreateWalletGrantInput = z.infer<typeof createWalletGrantInput>;

export const listWalletGrantsInput = z.strictObject({
  partnerId: idSchema,
  ...pageQueryFields('Grants'),
  status: z.enum(GRANT_STATUSES).optional().describe('Only grants with this status'),
  creditType: creditTypeKeySchema.optional().describe('Only grants of this credit type'),
});
export type ListWalletGrantsInput = z.infer<typeof listWalletGrantsInput>;

export const listOwnWalletGrantsInput = listWalletGrantsInput.omit({ partnerId: true });

export const voidWalletGrantInput = z.strictObject({
  partnerId: idSchema,
  grantId: idSchema,
  reason: reasonSchema.describe('Why, for the audit trail'),
});
export type VoidWalletGrantInput = z.infer<typeof voidWalletGrantInput>;

export const walletBalanceSchema = z.object({
  creditType: text(),
  currency: currencySchema,
  available: z.int().describe('Credits that can be applied now'),
  pending: z.int().describe('Credits applied to invoices not yet paid; back if one is voided'),
  expiringSoon: z.int().describe('Available credits that expire within 30 days'),
  availableAmount: amountSchema.describe('`available` in the currency'),
  pendingAmount: amountSchema.describe('`pending` in the currency'),
});
export type WalletBalance = z.infer<typeof walletBalanceSchema>;
export const walletSchema = z.object({
  balances: z.array(walletBalanceSchema).describe('One per monetary credit type held'),
});
