import {
  analyticsSchema,
  billingSchema,
  billingUsageSchema,
  dateRangeInput,
  usageSummarySchema,
} from '@allot/domain';
import { route, type RestRoute } from './route.ts';

/** The Billing routes, in the order the reference docs list them. */
export const billingRoutes: RestRoute[] = [
  route({
    method: 'GET',
    path: '/partner/billing',
    auth: 'partner',
    tag: 'Billing',
    operationId: 'billing.get',
    description:
      "The partner's billing mode and period, and the credit pool of the current period: its total, what is allocated to organizations and what is left.",
    summary: 'Billing configuration and the credit pool of the current period',
    output: billingSchema,
    call: (c) => c.billing.get(),
  }),
  route({
    method: 'GET',
    path: '/partner/billing/usage',
    auth: 'partner',
    tag: 'Billing',
    operationId: 'billing.usage',
    description: "Credits consumed in the partner's current billing period, against its pool.",
    summary: 'Usage in the current billing period',
    output: billingUsageSchema,
    call: (c) => c.billing.usage(),
  }),
  route({
    method: 'GET',
    path: '/partner/usage',
    auth: 'partner',
    tag: 'Billing',
    operationId: 'billing.summary',
    description:
      'Identifications and credits consumed between two dates (default: from the start of this month to today).',
    summary: 'Usage summary for a date range (default: this month to date)',
    input: dateRangeInput,
    output: usageSummarySchema,
    call: (c, input) => c.billing.summary(input),
  }),
  route({
    method: 'GET',
    path: '/partner/analytics',
    auth: 'partner',
    tag: 'Billing',
    operationId: 'billing.analytics',
    description:
      'Aggregates over every organization of the partner for a date range (default: this month to date).',
    summary: 'Aggregate analytics across all organizations',
    input: dateRangeInput,
    output: analyticsSchema,
    call: (c, input) => c.billing.analytics(input),
  }),
];
