import { z } from 'zod';
import { text } from './text.ts';
import { creditsSchema, idSchema, isoDateTimeSchema } from './common.ts';
import { creditTypeField, positiveCreditsSchema } from './credits.ts';
import { unitPriceSchema } from './money.ts';
import type { RuleCode } from './errors.ts';

/** A balance alert: a number of credits, or a percentage of the period's allocation. */
export const balanceThresholdSchema = z.union([
  z.strictObject({
    credits: creditsSchema.describe('Fires when the balance falls to or below this'),
  }),
  z.strictObject({
    percent: z
      .number()
      .gt(0)
      .max(100)
      .describe("Fires at this share of the period's allocation, rounded down to whole credits"),
  }),
]);

export const MAX_BALANCE_THRESHOLDS = 10;

export const setBalanceAlertsInput = z.strictObject({
  organizationId: idSchema,
  creditType: creditTypeField,
  thresholds: z
    .array(balanceThresholdSchema)
    .max(MAX_BALANCE_THRESHOLDS)
    .describe('At most 10; an empty list turns the alerts off'),
});

export const balanceAlertSchema = z.object({
  creditType: text(),
  thresholds: z.array(balanceThresholdSchema),
  updatedAt: isoDateTimeSchema,
});

export const balanceAlertListSchema = z.object({ alerts: z.array(balanceAlertSchema) });
export const balanceAlertEnvelope = z.object({ alert: balanceAlertSchema });

export const setAutoTopUpInput = z.strictObject({
  organizationId: idSchema,
  creditType: creditTypeField,
  threshold: creditsSchema.describe('Top up when the balance falls to or below this'),
  amount: positiveCreditsSchema.describe('Credits granted each time'),
  maxPerPeriod: z
    .int()
    .min(1)
    .max(1000)
    .describe('Top-ups at most per billing period of the organization'),
  expiresAfterDays: z
    .int()
    .min(1)
    .max(3650)
    .optional()
    .describe('Top-up credits expire this many days after they are granted (default: never)'),
  unitPrice: unitPriceSchema
    .nullable()
    .optional()
    .describe(
      'Each applied top-up is invoiced to the organization at this price per credit (default: its creditUnitPrice; neither: free)',
    ),
});

export const autoTopUpTargetInput = z.strictObject({
  organizationId: idSchema,
  creditType: creditTypeField,
});

export const autoTopUpRuleSchema = z.object({
  creditType: text(),
  threshold: z.int(),
  amount: z.int(),
  maxPerPeriod: z.int(),
  expiresAfterDays: z.int().nullable(),
  unitPrice: unitPriceSchema.nullable().describe("null: the organization's creditUnitPrice"),
  updatedAt: isoDateTimeSchema,
});

export const AUTO_TOP_UP_STATUSES = ['pending', 'applied', 'failed'] as const;

/** Why an auto top-up failed: the worker's own checks, or the refusal its grant met. */
export const AUTO_TOP_UP_FAILURES = [
  'insufficient_pool_credits',
  'max_per_period_reached',
  'trial_cap_exceeded',
  'organization_inactive',
] as const satisfies readonly RuleCode[];
export type AutoTopUpFailure = (typeof AUTO_TOP_UP_FAILURES)[number];

export const autoTopUpRunSchema = z.object({
  id: idSchema,
  creditType: text(),
  amount: z.int(),
  status: z.enum(AUTO_TOP_UP_STATUSES),
  reason: text().nullable().describe('Why it failed'),
  grantId: idSchema.nullable(),
  balance: z.int().describe('The balance that crossed the threshold'),
  createdAt: isoDateTimeSchema,
  processedAt: isoDateTimeSchema.nullable(),
});

export const autoTopUpSchema = z.object({
  rules: z.array(autoTopUpRuleSchema),
  recent: z.array(autoTopUpRunSchema).describe('The last 20 top-ups, newest first'),
});

export const autoTopUpRuleEnvelope = z.object({ rule: autoTopUpRuleSchema });
