import { z } from 'zod';
import {
  creditsSchema,
  idSchema,
  isoDateTimeSchema,
  pageSchema,
  pageSizeSchema,
} from './common.ts';
import {
  billingDayOfMonthSchema,
  billingPeriodInputSchema,
  billingPeriodSchema,
} from './periods.ts';
import { tierSchema } from './tiers.ts';

export const ORGANIZATION_STATUSES = ['active', 'suspended', 'canceled'] as const;
export type OrganizationStatus = (typeof ORGANIZATION_STATUSES)[number];
export const organizationStatusSchema = z.enum(ORGANIZATION_STATUSES);

export const PRODUCT_TYPES = ['B2B', 'B2C'] as const;
export const productTypeSchema = z.enum(PRODUCT_TYPES);

/** Flat key-value pairs the partner attaches to an organization. */
export const metadataSchema = z
  .record(
    z.string().min(1).max(64),
    z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]),
  )
  .refine((value) => Object.keys(value).length <= 50, 'At most 50 metadata keys');

const nameSchema = z.string().trim().min(1).max(200);
const externalIdSchema = z.string().trim().min(1).max(255);
const ownerUserIdSchema = z.string().trim().min(1).max(255);

export const organizationIdInput = z.strictObject({ organizationId: idSchema });

export const createOrganizationInput = z.strictObject({
  name: nameSchema,
  externalId: externalIdSchema.nullish(),
  ownerUserId: ownerUserIdSchema.nullish(),
  /** The allocation for the first period; also the recurring allowance unless `creditAllowance` is given. */
  initialCredits: creditsSchema.optional(),
  creditAllowance: creditsSchema.optional(),
  metadata: metadataSchema.optional(),
  tier: tierSchema.optional(),
  billingPeriod: billingPeriodInputSchema.optional(),
  billingDayOfMonth: billingDayOfMonthSchema.optional(),
  productType: productTypeSchema.optional(),
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
});
export type SetOrganizationBillingInput = z.infer<typeof setOrganizationBillingInput>;

export const setOrganizationCreditsInput = z.strictObject({
  organizationId: idSchema,
  credits: creditsSchema,
});

export const listOrganizationsInput = z.strictObject({
  page: pageSchema.default(1),
  pageSize: pageSizeSchema.default(20),
  status: organizationStatusSchema.optional(),
  tier: tierSchema.optional(),
  search: z.string().trim().max(200).optional(),
  externalId: externalIdSchema.optional(),
});
export type ListOrganizationsInput = z.infer<typeof listOrganizationsInput>;

export const periodSchema = z.object({ start: isoDateTimeSchema, end: isoDateTimeSchema });

export const organizationSchema = z.object({
  id: idSchema,
  name: z.string(),
  externalId: z.string().nullable(),
  ownerUserId: z.string().nullable(),
  status: organizationStatusSchema,
  tier: tierSchema,
  /** The allocation for the current period. */
  credits: z.int(),
  creditsUsed: z.int(),
  creditsRemaining: z.int(),
  /** Granted again at every period start. */
  creditAllowance: z.int(),
  billingPeriod: billingPeriodSchema,
  billingDayOfMonth: z.int(),
  currentPeriod: periodSchema,
  productType: productTypeSchema,
  metadata: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  partnerMetadata: z.object({ externalId: z.string().nullable() }),
  createdAt: isoDateTimeSchema,
  updatedAt: isoDateTimeSchema,
});
export type Organization = z.infer<typeof organizationSchema>;

export const organizationEnvelope = z.object({ organization: organizationSchema });

export const organizationListSchema = z.object({
  organizations: z.array(organizationSchema),
  total: z.int(),
  page: z.int(),
  pageSize: z.int(),
});
