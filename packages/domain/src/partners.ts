import { z } from 'zod';
import { text } from './text.ts';
import { billingModeSchema } from './billing-modes.ts';
import { creditsSchema, idSchema, isoDateTimeSchema } from './common.ts';
import { pagedListSchema, pageQueryFields } from './paging.ts';
import {
  billingDayOfMonthSchema,
  billingPeriodInputSchema,
  billingPeriodSchema,
} from './periods.ts';
import { initialAdminInput, userSchema } from './users.ts';

export const createPartnerInput = z.strictObject({
  name: text().trim().min(1).max(200),
  billingMode: billingModeSchema.describe(
    'credit_pool: organizations draw from a capped pool; external: billed outside Allot, no pool cap; usage_based: organizations keep working past their allowance',
  ),
  billingPeriod: billingPeriodInputSchema.describe(
    'monthly, quarterly or annually (annual is accepted)',
  ),
  billingDayOfMonth: billingDayOfMonthSchema.default(1).describe('Day periods start on (1-28)'),
  poolCredits: creditsSchema.default(0).describe('Credits the pool holds at each period start'),
  admin: initialAdminInput
    .optional()
    .describe("The partner's first admin user, who signs in to the admin app"),
});
export type CreatePartnerInput = z.infer<typeof createPartnerInput>;

export const setPartnerBillingInput = z.strictObject({
  partnerId: idSchema,
  billingMode: billingModeSchema.optional(),
  billingPeriod: billingPeriodInputSchema.optional(),
  billingDayOfMonth: billingDayOfMonthSchema.optional(),
  poolCredits: creditsSchema.optional(),
});
export type SetPartnerBillingInput = z.infer<typeof setPartnerBillingInput>;

export const partnerIdInput = z.strictObject({ partnerId: idSchema });

export const revokeApiKeyInput = z.strictObject({ partnerId: idSchema, keyId: idSchema });

export const partnerSchema = z.object({
  id: idSchema,
  name: text(),
  billingMode: billingModeSchema,
  billingPeriod: billingPeriodSchema,
  billingDayOfMonth: z.int(),
  poolCredits: z.int(),
  createdAt: isoDateTimeSchema,
});
export type Partner = z.infer<typeof partnerSchema>;

export const partnerEnvelope = z.object({ partner: partnerSchema });
export const listPartnersInput = z.strictObject({ ...pageQueryFields('Partners') });
export type ListPartnersInput = z.infer<typeof listPartnersInput>;
/** Oldest first, paged like every offset-paged list. */
export const partnerListSchema = pagedListSchema('partners', partnerSchema, 'Partners');

/** The API key's plaintext appears in exactly one response: the one that creates it. */
export const createdPartnerSchema = z.object({
  partner: partnerSchema,
  apiKey: text(),
  admin: userSchema.optional().describe('The admin user, when one was asked for'),
});
export const createdApiKeySchema = z.object({ id: idSchema, apiKey: text() });
