import { z } from 'zod';
import { idSchema, isoDateSchema, isoDateTimeSchema } from './common.ts';
import {
  periodSchema,
  organizationSchema,
  organizationEnvelope,
  organizationListSchema,
} from './organizations.ts';
import {
  partnerSchema,
  partnerEnvelope,
  partnerListSchema,
  createdPartnerSchema,
  createdApiKeySchema,
} from './partners.ts';
import { apiKeySchema, apiKeyListSchema } from './api-keys.ts';
import {
  userSchema,
  userEnvelope,
  userListSchema,
  createdUserSchema,
  sessionSchema,
} from './users.ts';
import {
  creditTypeSchema,
  creditTypeEnvelope,
  creditTypeListSchema,
  grantSchema,
  grantEnvelope,
  grantListSchema,
  balanceSchema,
  balancesSchema,
  amendmentResultSchema,
  entrySchema,
  ledgerPageSchema,
  consumptionSchema,
} from './credits.ts';
import {
  balanceAlertSchema,
  balanceAlertListSchema,
  balanceAlertEnvelope,
  autoTopUpRuleSchema,
  autoTopUpRunSchema,
  autoTopUpSchema,
  autoTopUpRuleEnvelope,
} from './alerts.ts';
import { icpProfileSchema, icpProfileEnvelope, icpProfileListSchema } from './icp.ts';
import { pixelConfigSchema, allowedReferrersSchema } from './pixel.ts';
import {
  billingSchema,
  billingUsageSchema,
  usageSummarySchema,
  analyticsSchema,
} from './reports.ts';
import { visitorStatisticSchema, visitorListSchema } from './visitors.ts';
import {
  webhookEndpointSchema,
  webhookEndpointEnvelope,
  webhookEndpointWithSecretSchema,
  webhookEndpointListSchema,
  webhookAttemptSchema,
  webhookDeliverySchema,
  webhookDeliveryEnvelope,
  webhookDeliveryPageSchema,
} from './webhooks.ts';
import { EVENT_TYPES, TEST_EVENT_TYPE, eventEnvelopeSchema } from './events.ts';
import { currencySchema } from './money.ts';
import {
  invoiceEnvelope,
  invoiceLineSchema,
  invoiceListSchema,
  invoiceSchema,
  paymentSchema,
  upcomingInvoiceEnvelope,
  upcomingInvoiceSchema,
} from './invoices.ts';
import { partnerPricingEnvelope, partnerPricingSchema } from './pricing.ts';
import { billingProfileEnvelope, billingProfileSchema } from './billing-profiles.ts';
import { walletBalanceSchema, walletSchema } from './wallets.ts';
import { revenueReportSchema, revenueRowSchema } from './revenue.ts';
import {
  creditReportRowSchema,
  creditReportSchema,
  creditReportSegmentSchema,
  creditReportTotalSchema,
  creditsGrantedSchema,
  creditTopUpsSchema,
  revenueAmountSchema,
} from './credit-reports.ts';
import {
  brandingEnvelope,
  brandingSchema,
  clientPricingEnvelope,
  clientPricingSchema,
  createdGrantEnvelope,
  invoiceEmailEnvelope,
  invoiceEmailSchema,
  organizationPricingEnvelope,
  organizationPricingOverrideSchema,
} from './client-billing.ts';

/**
 * The stable names of the API's entities and envelopes. Each is recorded on the schema instance in
 * zod's global registry, so `z.toJSONSchema` refers to it as `#/components/schemas/<name>` instead
 * of inlining it; the names are the types generated clients get, so they never change. Recording
 * keeps the schema's other metadata (its description) and does not change any TypeScript type.
 */
const NAMES: [z.ZodType, string][] = [
  [idSchema, 'Id'],
  [isoDateTimeSchema, 'DateTime'],
  [isoDateSchema, 'Date'],
  [periodSchema, 'Period'],
  [organizationSchema, 'Organization'],
  [organizationEnvelope, 'OrganizationResponse'],
  [organizationListSchema, 'OrganizationList'],
  [partnerSchema, 'Partner'],
  [partnerEnvelope, 'PartnerResponse'],
  [partnerListSchema, 'PartnerList'],
  [createdPartnerSchema, 'CreatedPartner'],
  [createdApiKeySchema, 'CreatedApiKey'],
  [apiKeySchema, 'ApiKey'],
  [apiKeyListSchema, 'ApiKeyList'],
  [userSchema, 'User'],
  [userEnvelope, 'UserResponse'],
  [userListSchema, 'UserList'],
  [createdUserSchema, 'CreatedUser'],
  [sessionSchema, 'Session'],
  [creditTypeSchema, 'CreditType'],
  [creditTypeEnvelope, 'CreditTypeResponse'],
  [creditTypeListSchema, 'CreditTypeList'],
  [grantSchema, 'Grant'],
  [grantEnvelope, 'GrantResponse'],
  [grantListSchema, 'GrantList'],
  [balanceSchema, 'Balance'],
  [balancesSchema, 'BalanceList'],
  [amendmentResultSchema, 'AmendmentResult'],
  [entrySchema, 'LedgerEntry'],
  [ledgerPageSchema, 'LedgerPage'],
  [consumptionSchema, 'Consumption'],
  [balanceAlertSchema, 'BalanceAlert'],
  [balanceAlertListSchema, 'BalanceAlerts'],
  [balanceAlertEnvelope, 'BalanceAlertResponse'],
  [autoTopUpRuleSchema, 'AutoTopUpRule'],
  [autoTopUpRunSchema, 'AutoTopUpRun'],
  [autoTopUpSchema, 'AutoTopUp'],
  [autoTopUpRuleEnvelope, 'AutoTopUpRuleResponse'],
  [icpProfileSchema, 'IcpProfile'],
  [icpProfileEnvelope, 'IcpProfileResponse'],
  [icpProfileListSchema, 'IcpProfileList'],
  [pixelConfigSchema, 'PixelConfig'],
  [allowedReferrersSchema, 'AllowedReferrers'],
  [billingSchema, 'Billing'],
  [billingUsageSchema, 'BillingUsage'],
  [usageSummarySchema, 'Usage'],
  [analyticsSchema, 'Analytics'],
  [visitorStatisticSchema, 'Visitor'],
  [visitorListSchema, 'VisitorList'],
  [webhookEndpointSchema, 'WebhookEndpoint'],
  [webhookEndpointEnvelope, 'WebhookEndpointResponse'],
  [webhookEndpointWithSecretSchema, 'WebhookEndpointWithSecret'],
  [webhookEndpointListSchema, 'WebhookEndpointList'],
  [webhookAttemptSchema, 'WebhookAttempt'],
  [webhookDeliverySchema, 'WebhookDelivery'],
  [webhookDeliveryEnvelope, 'WebhookDeliveryResponse'],
  [webhookDeliveryPageSchema, 'WebhookDeliveryPage'],
  [currencySchema, 'Currency'],
  [partnerPricingSchema, 'PartnerPricing'],
  [partnerPricingEnvelope, 'PartnerPricingResponse'],
  [billingProfileSchema, 'BillingProfile'],
  [billingProfileEnvelope, 'BillingProfileResponse'],
  [invoiceSchema, 'Invoice'],
  [invoiceLineSchema, 'InvoiceLine'],
  [paymentSchema, 'Payment'],
  [invoiceEnvelope, 'InvoiceResponse'],
  [invoiceListSchema, 'InvoiceList'],
  [upcomingInvoiceSchema, 'UpcomingInvoice'],
  [upcomingInvoiceEnvelope, 'UpcomingInvoiceResponse'],
  [walletBalanceSchema, 'WalletBalance'],
  [walletSchema, 'Wallet'],
  [revenueRowSchema, 'RevenueRow'],
  [revenueReportSchema, 'RevenueReport'],
  [creditsGrantedSchema, 'CreditsGranted'],
  [creditTopUpsSchema, 'CreditTopUps'],
  [revenueAmountSchema, 'RevenueAmount'],
  [creditReportRowSchema, 'CreditReportRow'],
  [creditReportSegmentSchema, 'CreditReportSegment'],
  [creditReportTotalSchema, 'CreditReportTotal'],
  [creditReportSchema, 'CreditReport'],
  [clientPricingSchema, 'ClientPricing'],
  [clientPricingEnvelope, 'ClientPricingResponse'],
  [organizationPricingOverrideSchema, 'OrganizationPricingOverride'],
  [organizationPricingEnvelope, 'OrganizationPricingResponse'],
  [brandingSchema, 'Branding'],
  [brandingEnvelope, 'BrandingResponse'],
  [createdGrantEnvelope, 'CreatedGrantResponse'],
  [invoiceEmailSchema, 'InvoiceEmail'],
  [invoiceEmailEnvelope, 'InvoiceEmailResponse'],
];

/** `credit_balance.dropped` -> `CreditBalanceDroppedEvent`. */
export const eventSchemaName = (type: string) =>
  `${type
    .split(/[._]/)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('')}Event`;

for (const type of [...EVENT_TYPES, TEST_EVENT_TYPE] as const)
  NAMES.push([eventEnvelopeSchema(type), eventSchemaName(type)]);

for (const [schema, id] of NAMES)
  z.globalRegistry.add(schema, { ...z.globalRegistry.get(schema), id });

/** The name a schema is published under, if it has one. */
export const schemaName = (schema: z.ZodType): string | undefined =>
  z.globalRegistry.get(schema)?.id;
