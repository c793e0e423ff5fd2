import { z } from 'zod';
import { text } from './text.ts';
import {
  creditsSchema,
  idSchema,
  isoDateTimeSchema,
  ok,
  refuse,
  type RuleResult,
} from './common.ts';
import { pagedListSchema, pageQueryFields } from './paging.ts';
import {
  billingDayOfMonthSchema,
  billingPeriodInputSchema,
  billingPeriodSchema,
} from './periods.ts';
import { tierSchema } from './tiers.ts';
import {
  anomalyThresholdSchema,
  identificationCapInput,
  identificationCapSchema,
} from './charge-guards.ts';

export const ORGANIZATION_STATUSES = ['active', 'suspended', 'canceled'] as const;
export type OrganizationStatus = (typeof ORGANIZATION_STATUSES)[number];
export const organizationStatusSchema = z.enum(ORGANIZATION_STATUSES);

/**
 * A canceled organization takes no credits (an allocation, a grant, an amendment) until it is
 * enabled again; a suspended one keeps receiving them while it is disabled.
 */
export function checkReceivesCredits(status: OrganizationStatus): RuleResult<OrganizationStatus> {
  if (status === 'canceled') {
    return refuse(
      'organization_canceled',
      'A canceled organization cannot receive credits; enable it first.',
    );
  }
  return ok(status);
}

export const PRODUCT_TYPES = ['B2B', 'B2C'] as const;
export type ProductType = (typeof PRODUCT_TYPES)[number];
export const productTypeSchema = z.enum(PRODUCT_TYPES);

/** Flat key-value pairs the partner attaches to an organization. */
export const metadataSchema = z
  .record(text().min(1).max(64), z.union([text().max(1000), z.number(), z.boolean(), z.null()]))
  .refine((value) => Object.keys(value).length <= 50, 'At most 50 metadata keys');

const nameSchema = text().trim().min(1).max(200);
const externalIdSchema = text().trim().min(1).max(255);
const ownerUserIdSchema = text().trim().min(1).max(255);

export const organizationIdInput = z.strictObject({ organizationId: idSchema });

export const createOrganizationInput = z.strictObject({
  name: nameSchema.describe('Display name'),
  externalId: externalIdSchema
    .nullish()
    .describe('Your own id for this client; unique among your organizations'),
  ownerUserId: ownerUserIdSchema.nullish().describe('User id of the organization owner'),
  initialCredits: creditsSchema
    .optional()
    .describe(
      'Allocation for the first period, drawn from the pool in credit_pool mode (default 0); also the recurring allowance unless creditAllowance is given',
    ),
  creditAllowance: creditsSchema
    .optional()
    .describe('Credits granted again at every period start (default: initialCredits)'),
  metadata: metadataSchema.optional().describe('Flat key-value pairs, at most 50 keys'),
  tier: tierSchema.optional().describe('trial (at most 500 credits) or paid; default trial'),
  billingPeriod: billingPeriodInputSchema
    .optional()
    .describe('monthly, quarterly or annually (annual is accepted); default monthly'),
  billingDayOfMonth: billingDayOfMonthSchema
    .optional()
    .describe('Day of the month periods start on (1-28); default 1'),
  productType: productTypeSchema
    .optional()
    .describe('B2B (company identification) or B2C (person identification); default B2B'),
});
export type CreateOrganizationInput = z.infer<typeof createOrganizationInput>;

export const updateOrganizationInput = z.strictObject({
  organizationId: idSchema,
  name: nameSchema.optional(),
  /** `null` clears it. */
  externalId: externalIdSchema.nullish(),
  ownerUserId: ownerUserIdSchema.nullish(),
  /** Replaces the whole metadata object. */
  metadata: metadataSchema.optional(),
  productType: productTypeSchema.optional(),
  /** Sets the current period's allocation, as `PUT .../credits` does. */
  credits: creditsSchema.optional(),
});
export type UpdateOrganizationInput = z.infer<typeof updateOrganizationInput>;

export const setOrganizationStatusInput = z.strictObject({
  organizationId: idSchema,
  enabled: z.boolean(),
});

export const setOrganizationTierInput = z.strictObject({
  organizationId: idSchema,
  tier: tierSchema,
});

export const setOrganizationBillingInput = z.strictObject({
  organizationId: idSchema,
  billingPeriod: billingPeriodInputSchema.optional(),
  billingDayOfMonth: billingDayOfMonthSchema.optional(),
  /** Granted again at every period start. */
  creditAllowance: creditsSchema.optional(),
  identificationCap: identificationCapInput.optional(),
  anomalyThreshold: anomalyThresholdSchema.optional(),
});
export type SetOrganizationBillingInput = z.infer<typeof setOrganizationBillingInput>;

export const setOrganizationCreditsInput = z.strictObject({
  organizationId: idSchema,
  credits: creditsSchema,
});

export const ORGANIZATION_SORTS = ['-createdAt', 'createdAt', 'name', '-name'] as const;
export type OrganizationSort = (typeof ORGANIZATION_SORTS)[number];

export const listOrganizationsInput = z.strictObject({
  ...pageQueryFields('Organizations'),
  status: organizationStatusSchema.optional().describe('Only organizations with this status'),
  tier: tierSchema.optional().describe('Only organizations on this tier'),
  search: text()
    .trim()
    .max(200)
    .optional()
    .describe('Part of the organization name, case-insensitive'),
  externalId: externalIdSchema.optional().describe('The organization with this externalId'),
  sort: z
    .enum(ORGANIZATION_SORTS)
    .default('-createdAt')
    .describe('createdAt or name; a leading - sorts descending (default: newest first)'),
});
export type ListOrganizationsInput = z.infer<typeof listOrganizationsInput>;

export const periodSchema = z.object({ start: isoDateTimeSchema, end: isoDateTimeSchema });

export const organizationSchema = z.object({
  id: idSchema,
  name: text(),
  externalId: text().nullable(),
  ownerUserId: text().nullable(),
  status: organizationStatusSchema,
  tier: tierSchema,
  credits: z
    .int()
    .describe(
      "The organization's allocation for its current period; deleting it lowers this to what it had consumed of it",
    ),
  creditsUsed: z.int().describe('Credits consumed in the current period'),
  creditsRemaining: z
    .int()
    .describe(
      'Identification credits it can spend now: the unexpired remainder of its allocation and of its grants',
    ),
  creditAllowance: z.int().describe('Credits granted again at every period start'),
  billingPeriod: billingPeriodSchema,
  billingDayOfMonth: z.int(),
  currentPeriod: periodSchema.describe(
    'The current billing period: start inclusive, end exclusive (UTC)',
  ),
  productType: productTypeSchema,
  identificationCap: identificationCapSchema,
  anomalyThreshold: anomalyThresholdSchema,
  metadata: z.record(text(), z.union([text(), z.number(), z.boolean(), z.null()])),
  partnerMetadata: z
    .object({ externalId: text().nullable() })
    .describe('Where the partner guide keeps externalId'),
  createdAt: isoDateTimeSchema,
  updatedAt: isoDateTimeSchema,
});
export type Organization = z.infer<typeof organizationSchema>;

export const organizationEnvelope = z.object({ organization: organizationSchema });

export const organizationListSchema = pagedListSchema(
  'organizations',
  organizationSchema,
  'Organizations',
);
