import { z } from 'zod';
import { currencySchema } from './money.ts';
import { text } from './text.ts';
import { GRANT_STATUSES } from './blocks.ts';
import { idSchema, isoDateTimeSchema, MAX_CREDITS } from './common.ts';
import type { RuleCode } from './errors.ts';
import { pagedListSchema, pageQueryFields } from './paging.ts';

/** The credit type the pixel consumes and the partner pool is sold in. */
export const DEFAULT_CREDIT_TYPE = 'identification';

export const creditTypeKeySchema = text()
  .regex(/^[a-z][a-z0-9_]{0,39}$/, 'lowercase letters, digits and _, starting with a letter')
  .describe('A credit type key, e.g. identification');

export const createCreditTypeInput = z.strictObject({
  key: creditTypeKeySchema,
  name: text().trim().min(1).max(100).describe('Display name'),
  unit: text().trim().min(1).max(100).describe('What one credit buys, e.g. "identified visitor"'),
  currency: currencySchema
    .optional()
    .describe(
      'A monetary credit type: one credit is one minor unit of this currency (5000 USD credits are $50.00). Left out: a unit credit type',
    ),
});
export type CreateCreditTypeInput = z.infer<typeof createCreditTypeInput>;

export const creditTypeSchema = z.object({
  key: text(),
  name: text(),
  unit: text(),
  currency: currencySchema
    .nullable()
    .describe('The currency of a monetary credit type; null for units'),
  createdAt: isoDateTimeSchema,
});
export const creditTypeEnvelope = z.object({ creditType: creditTypeSchema });
export const creditTypeListSchema = z.object({ creditTypes: z.array(creditTypeSchema) });

/** Kinds a partner may grant by hand; the others are written by the ledger itself. */
export const GRANT_KINDS = ['promotional', 'compensation', 'purchased'] as const;
export const BLOCK_KINDS = [
  'pool',
  'allocation',
  'renewal',
  ...GRANT_KINDS,
  'top_up',
  'amendment',
] as const;
export type BlockKind = (typeof BLOCK_KINDS)[number];

export const ENTRY_TYPES = [
  'allocation',
  'reclaim',
  'increment',
  'decrement',
  'expiration',
  'void',
  'amendment',
  'renewal',
  'overage',
  'application',
  'reinstatement',
] as const;
export type EntryType = (typeof ENTRY_TYPES)[number];

/** The partner's own accounts: issuance (the only one that may go negative), pool and sinks. */
export const PARTNER_ACCOUNT_KINDS = ['issuance', 'pool', 'expiry', 'void'] as const;
/**
 * A customer partner's monetary credits (the operator's grants, in a monetary credit type): its
 * wallet, the sink of what invoices applied, and the issuance and sinks every partner has.
 */
export const WALLET_ACCOUNT_KINDS = ['issuance', 'wallet', 'applied', 'expiry', 'void'] as const;
/** Each organization's accounts: its credits and its sinks. */
export const ORGANIZATION_ACCOUNT_KINDS = [
  'organization',
  'consumption',
  'expiry',
  'void',
] as const;
export const ACCOUNT_KINDS = [
  'issuance',
  'pool',
  'organization',
  'consumption',
  'expiry',
  'void',
  'wallet',
  'applied',
] as const;
export type AccountKind = (typeof ACCOUNT_KINDS)[number];
export type PartnerAccountKind = (typeof PARTNER_ACCOUNT_KINDS)[number];
export type OrganizationAccountKind = (typeof ORGANIZATION_ACCOUNT_KINDS)[number];
export type WalletAccountKind = (typeof WALLET_ACCOUNT_KINDS)[number];

export const DEFAULT_PRIORITY = 50;
export const MAX_PRIORITY = 1000;

/** How many days ahead `expiringSoon` looks. */
export const EXPIRING_SOON_DAYS = 30;

export const positiveCreditsSchema = z.int().min(1).max(MAX_CREDITS);
export const reasonSchema = text().trim().min(1).max(500);
export const costBasisSchema = text()
  .regex(/^\d{1,12}(\.\d{1,8})?$/, 'a non-negative decimal string, e.g. "0.05"')
  .describe('Price paid per credit, as a decimal string (never a float)');

export const creditTypeField = creditTypeKeySchema
  .optional()
  .describe('The credit type (default identification)');

export const createGrantInput = z.strictObject({
  organizationId: idSchema,
  amount: positiveCreditsSchema.describe('Credits to grant'),
  creditType: creditTypeField,
  kind: z.enum(GRANT_KINDS).optional().describe('Why the credits are given (default promotional)'),
  effectiveAt: isoDateTimeSchema
    .optional()
    .describe('When the credits become spendable (default now); later means pending'),
  expiresAt: isoDateTimeSchema
    .nullable()
    .optional()
    .describe('When the unspent credits expire (default never)'),
  priority: z
    .int()
    .min(0)
    .max(MAX_PRIORITY)
    .optional()
    .describe(`Lower burns first (default ${DEFAULT_PRIORITY})`),
  costBasis: costBasisSchema.nullable().optional(),
  invoice: z
    .boolean()
    .optional()
    .describe(
      "purchased: issue the organization an invoice for amount × costBasis (or the organization's creditUnitPrice) at once, in the grant's transaction (default false)",
    ),
  reason: reasonSchema.describe('Why, for the audit trail'),
});
export type CreateGrantInput = z.infer<typeof createGrantInput>;

export const grantSchema = z.object({
  id: idSchema,
  creditType: text(),
  amount: z.int(),
  remaining: z.int().describe('Credits still spendable; 0 once expired or voided'),
  kind: z.enum(BLOCK_KINDS),
  priority: z.int(),
  costBasis: text().nullable(),
  effectiveAt: isoDateTimeSchema,
  expiresAt: isoDateTimeSchema.nullable(),
  reason: text().nullable(),
  status: z.enum(GRANT_STATUSES),
  createdAt: isoDateTimeSchema,
});
export type Grant = z.infer<typeof grantSchema>;
export const grantEnvelope = z.object({ grant: grantSchema });

export const listGrantsInput = z.strictObject({
  organizationId: idSchema,
  ...pageQueryFields('Grants'),
  status: z.enum(GRANT_STATUSES).optional().describe('Only grants with this status'),
  creditType: creditTypeKeySchema.optional().describe('Only grants of this credit type'),
});
export type ListGrantsInput = z.infer<typeof listGrantsInput>;
/** Newest first, paged like every offset-paged list. */
export const grantListSchema = pagedListSchema('grants', grantSchema, 'Grants');

export const grantIdInput = z.strictObject({ organizationId: idSchema, grantId: idSchema });

export const voidGrantInput = grantIdInput.extend({ reason: reasonSchema });
export type VoidGrantInput = z.infer<typeof voidGrantInput>;

export const setGrantExpiryInput = grantIdInput.extend({
  expiresAt: isoDateTimeSchema.nullable().describe('The new expiry; null for never'),
  reason: reasonSchema,
});
export type SetGrantExpiryInput = z.infer<typeof setGrantExpiryInput>;

export const createAmendmentInput = z.strictObject({
  organizationId: idSchema,
  amount: z
    .int()
    .min(-MAX_CREDITS)
    .max(MAX_CREDITS)
    .refine((n) => n !== 0, 'must not be 0')
    .describe(
      'Signed correction of consumption: positive gives consumed credits back, negative charges more',
    ),
  creditType: creditTypeField,
  reason: reasonSchema,
});
export type CreateAmendmentInput = z.infer<typeof createAmendmentInput>;

export const balanceSchema = z.object({
  creditType: text(),
  currency: currencySchema
    .nullable()
    .describe("A monetary credit type's currency (one credit is one minor unit); null for units"),
  available: z.int().describe('Spendable now: effective, unexpired, not voided'),
  pending: z
    .int()
    .describe('Monetary credits applied to invoices not yet paid; back if one is voided'),
  used: z.int().describe('Consumed this period, overage included'),
  allocated: z.int().describe("This period's allocation (the allowance and PUT .../credits)"),
  expiringSoon: z.int().describe('Available credits that expire within 30 days'),
  overage: z.int().describe('Consumed past zero this period (usage_based only)'),
  nextExpiry: isoDateTimeSchema.nullable().describe('When the next available credits expire'),
  renewalShortfall: z
    .int()
    .describe('Allowance the pool could not cover at the last renewal (credit_pool only)'),
});
export type Balance = z.infer<typeof balanceSchema>;
export const balancesSchema = z.object({ balances: z.array(balanceSchema) });

export const amendmentResultSchema = z.object({
  amendment: z.object({
    creditType: text(),
    amount: z.int(),
    reason: text(),
    createdAt: isoDateTimeSchema,
  }),
  balance: balanceSchema,
});

const cursorSchema = text()
  .regex(/^\d{1,19}$/, 'a cursor from a previous page')
  .describe('nextCursor of the previous page');

export const ledgerQueryFields = {
  cursor: cursorSchema.optional(),
  limit: z.int().min(1).max(500).default(100).describe('Entries per page, 1-500'),
  creditType: creditTypeKeySchema.optional().describe('Only this credit type'),
  type: z.enum(ENTRY_TYPES).optional().describe('Only entries of this type'),
  from: isoDateTimeSchema.optional().describe('Only entries at or after this instant'),
  to: isoDateTimeSchema.optional().describe('Only entries before this instant'),
};

export const organizationLedgerInput = z.strictObject({
  organizationId: idSchema,
  ...ledgerQueryFields,
});
export const partnerLedgerInput = z.strictObject({
  ...ledgerQueryFields,
  organizationId: idSchema.optional().describe("Only this organization's entries"),
});
export type LedgerQuery = z.infer<typeof partnerLedgerInput>;

export const entrySchema = z.object({
  id: text().describe('Entry id; entries are numbered in the order they were written'),
  sequence: z.int().describe("Position in its account's history, from 1"),
  account: z.enum(['pool', 'organization']).describe("The partner's pool or an organization"),
  organizationId: idSchema.nullable(),
  type: z.enum(ENTRY_TYPES),
  creditType: text(),
  amount: z.int().describe('Signed: positive into the account, negative out of it'),
  balanceAfter: z.int().describe("The account's balance after this entry"),
  grantId: idSchema.nullable(),
  reason: text().nullable(),
  reference: text()
    .nullable()
    .describe(
      "The consumption's reference; for a pixel identification `identity:<identityId> visitor:<visitorId>`, the identity charged and the visitor whose event charged it (as in GET .../visitors)",
    ),
  createdAt: isoDateTimeSchema,
});
export type Entry = z.infer<typeof entrySchema>;
export const ledgerPageSchema = z.object({
  entries: z.array(entrySchema),
  nextCursor: text().nullable().describe('Pass as cursor for the next page; null at the end'),
});

/** What `consumeCredits` answers: whether the credits were granted, and never more than once per key. */
export interface ConsumeResult {
  granted: boolean;
  /** Why not, when not granted. */
  reason: Extract<RuleCode, 'insufficient_credits' | 'organization_inactive'> | null;
  /** Credits taken from blocks. */
  charged: number;
  /** Credits consumed past zero (usage_based only). */
  overage: number;
  /** The first result of this idempotency key, answered again. */
  replayed: boolean;
}

export const organizationLedgerExportInput = organizationLedgerInput.omit({
  cursor: true,
  limit: true,
});
export const partnerLedgerExportInput = partnerLedgerInput.omit({ cursor: true, limit: true });

export const consumeCreditsInput = z.strictObject({
  organizationId: idSchema,
  amount: positiveCreditsSchema.default(1).describe('Credits to consume (default 1)'),
  creditType: creditTypeField,
  reference: text()
    .trim()
    .min(1)
    .max(200)
    .optional()
    .describe('What the credits paid for, e.g. an event id'),
});

export type ConsumeCreditsInput = z.infer<typeof consumeCreditsInput>;

export const consumptionSchema = z.object({
  consumption: z.object({
    creditType: text(),
    amount: z.int(),
    charged: z.int().describe('Credits taken from the balance'),
    overage: z.int().describe('Credits consumed past zero (usage_based only)'),
    replayed: z
      .boolean()
      .describe('True when this Idempotency-Key was consumed before: nothing was charged again'),
  }),
});
