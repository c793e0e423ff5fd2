import type { Caller } from '@allot/api';
import {
  allowedReferrersSchema,
  analyticsSchema,
  billingSchema,
  billingUsageSchema,
  createdApiKeySchema,
  createdPartnerSchema,
  createOrganizationInput,
  createPartnerInput,
  dateRangeInput,
  listOrganizationsInput,
  listVisitorsInput,
  organizationEnvelope,
  organizationIdInput,
  organizationListSchema,
  partnerEnvelope,
  partnerIdInput,
  partnerListSchema,
  pixelConfigSchema,
  revokeApiKeyInput,
  setOrganizationBillingInput,
  setOrganizationCreditsInput,
  setOrganizationStatusInput,
  setOrganizationTierInput,
  setPartnerBillingInput,
  updateOrganizationInput,
  updatePixelInput,
  usageSummarySchema,
  visitorListSchema,
} from '@allot/domain';
import type { z } from 'zod';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * One REST endpoint: where it lives, the procedure input it assembles (path parameters, then the
 * query on GET/DELETE or the JSON body on POST/PUT), the procedure it calls, and what it answers.
 */
export interface RestRoute {
  method: Method;
  /** Under /api/v1, Fastify style: `/partner/organizations/:organizationId`. */
  path: string;
  auth: 'partner' | 'operator';
  operationId: string;
  summary: string;
  tag: string;
  input?: z.ZodObject;
  /** The success body; absent for 204. */
  output?: z.ZodType;
  status: 200 | 201 | 204;
  call: (caller: Caller, input: never) => Promise<unknown>;
}

/** Keeps each entry's `call` typed against its own input schema. */
function route<I extends z.ZodObject | undefined>(
  definition: Omit<RestRoute, 'input' | 'call' | 'status'> & {
    input?: I;
    status?: RestRoute['status'];
    call: (
      caller: Caller,
      input: I extends z.ZodObject ? z.input<I> : undefined,
    ) => Promise<unknown>;
  },
): RestRoute {
  return { status: 200, ...definition };
}

const organizations = '/partner/organizations';
const organization = `${organizations}/:organizationId`;

export const routes: RestRoute[] = [
  route({
    method: 'GET',
    path: organizations,
    auth: 'partner',
    tag: 'Organizations',
    operationId: 'organizations.list',
    summary: 'List organizations with pagination and filtering',
    input: listOrganizationsInput,
    output: organizationListSchema,
    call: (c, input) => c.organizations.list(input),
  }),
  route({
    method: 'POST',
    path: organizations,
    auth: 'partner',
    tag: 'Organizations',
    status: 201,
    operationId: 'organizations.create',
    summary: 'Create an organization (its initial credits are drawn from the pool)',
    input: createOrganizationInput,
    output: organizationEnvelope,
    call: (c, input) => c.organizations.create(input),
  }),
  route({
    method: 'GET',
    path: organization,
    auth: 'partner',
    tag: 'Organizations',
    operationId: 'organizations.get',
    summary: 'Retrieve an organization',
    input: organizationIdInput,
    output: organizationEnvelope,
    call: (c, input) => c.organizations.get(input),
  }),
  route({
    method: 'PUT',
    path: organization,
    auth: 'partner',
    tag: 'Organizations',
    operationId: 'organizations.update',
    summary: 'Update an organization; `credits` sets the current allocation',
    input: updateOrganizationInput,
    output: organizationEnvelope,
    call: (c, input) => c.organizations.update(input),
  }),
  route({
    method: 'DELETE',
    path: organization,
    auth: 'partner',
    tag: 'Organizations',
    status: 204,
    operationId: 'organizations.remove',
    summary: 'Soft-delete an organization (status `canceled`; nothing is erased)',
    input: organizationIdInput,
    call: (c, input) => c.organizations.remove(input),
  }),
  route({
    method: 'PUT',
    path: `${organization}/status`,
    auth: 'partner',
    tag: 'Organizations',
    operationId: 'organizations.setStatus',
    summary: 'Enable or disable an organization',
    input: setOrganizationStatusInput,
    output: organizationEnvelope,
    call: (c, input) => c.organizations.setStatus(input),
  }),
  route({
    method: 'PUT',
    path: `${organization}/tier`,
    auth: 'partner',
    tag: 'Organizations',
    operationId: 'organizations.setTier',
    summary: 'Change the tier (trial holds at most 500 credits)',
    input: setOrganizationTierInput,
    output: organizationEnvelope,
    call: (c, input) => c.organizations.setTier(input),
  }),
  route({
    method: 'PUT',
    path: `${organization}/billing`,
    auth: 'partner',
    tag: 'Organizations',
    operationId: 'organizations.setBilling',
    summary: 'Update the billing period, day and recurring allowance',
    input: setOrganizationBillingInput,
    output: organizationEnvelope,
    call: (c, input) => c.organizations.setBilling(input),
  }),
  route({
    method: 'PUT',
    path: `${organization}/credits`,
    auth: 'partner',
    tag: 'Credits',
    operationId: 'organizations.setCredits',
    summary: "Set the organization's allocation for the current period",
    input: setOrganizationCreditsInput,
    output: organizationEnvelope,
    call: (c, input) => c.organizations.setCredits(input),
  }),
  route({
    method: 'GET',
    path: `${organization}/pixel`,
    auth: 'partner',
    tag: 'Pixel',
    operationId: 'pixel.get',
    summary: 'Retrieve the tracking pixel configuration',
    input: organizationIdInput,
    output: pixelConfigSchema,
    call: (c, input) => c.pixel.get(input),
  }),
  route({
    method: 'PUT',
    path: `${organization}/pixel`,
    auth: 'partner',
    tag: 'Pixel',
    operationId: 'pixel.update',
    summary: 'Replace the allowed referrer origins',
    input: updatePixelInput,
    output: allowedReferrersSchema,
    call: (c, input) => c.pixel.update(input),
  }),
  route({
    method: 'GET',
    path: `${organization}/visitors`,
    auth: 'partner',
    tag: 'Visitors',
    operationId: 'visitors.list',
    summary: 'List identified visitors',
    input: listVisitorsInput,
    output: visitorListSchema,
    call: (c, input) => c.visitors.list(input),
  }),
  route({
    method: 'GET',
    path: '/partner/billing',
    auth: 'partner',
    tag: 'Billing',
    operationId: 'billing.get',
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
    summary: 'Aggregate analytics across all organizations',
    input: dateRangeInput,
    output: analyticsSchema,
    call: (c, input) => c.billing.analytics(input),
  }),

  route({
    method: 'POST',
    path: '/operator/partners',
    auth: 'operator',
    tag: 'Operator',
    status: 201,
    operationId: 'operator.partners.create',
    summary: 'Onboard a partner; the API key is shown once',
    input: createPartnerInput,
    output: createdPartnerSchema,
    call: (c, input) => c.operator.partners.create(input),
  }),
  route({
    method: 'GET',
    path: '/operator/partners',
    auth: 'operator',
    tag: 'Operator',
    operationId: 'operator.partners.list',
    summary: 'List partners',
    output: partnerListSchema,
    call: (c) => c.operator.partners.list(),
  }),
  route({
    method: 'PUT',
    path: '/operator/partners/:partnerId/billing',
    auth: 'operator',
    tag: 'Operator',
    operationId: 'operator.partners.setBilling',
    summary: "Change a partner's billing mode, period or pool",
    input: setPartnerBillingInput,
    output: partnerEnvelope,
    call: (c, input) => c.operator.partners.setBilling(input),
  }),
  route({
    method: 'POST',
    path: '/operator/partners/:partnerId/api-keys',
    auth: 'operator',
    tag: 'Operator',
    status: 201,
    operationId: 'operator.apiKeys.create',
    summary: 'Issue another API key for a partner',
    input: partnerIdInput,
    output: createdApiKeySchema,
    call: (c, input) => c.operator.apiKeys.create(input),
  }),
  route({
    method: 'DELETE',
    path: '/operator/partners/:partnerId/api-keys/:keyId',
    auth: 'operator',
    tag: 'Operator',
    status: 204,
    operationId: 'operator.apiKeys.revoke',
    summary: 'Revoke an API key (it fails with 401 at once)',
    input: revokeApiKeyInput,
    call: (c, input) => c.operator.apiKeys.revoke(input),
  }),
];

/** Path parameter names of a Fastify-style path. */
export const pathParams = (path: string) =>
  [...path.matchAll(/:(\w+)/g)].map((match) => match[1] as string);

/** Where the non-path part of the input comes from. */
export const inputLocation = (method: Method) =>
  method === 'GET' || method === 'DELETE' ? 'query' : 'body';
