/**
 * A partner's script against a client generated from the served OpenAPI document with
 * openapi-typescript. openapi.test.ts generates `allot-api.d.ts` beside a copy of this file and
 * typechecks the two, so a contract a partner relies on cannot lose its name or shape unnoticed.
 */
import createClient from 'openapi-fetch';
import type { components, paths } from './allot-api';

type Organization = components['schemas']['Organization'];
type Grant = components['schemas']['Grant'];
type Balance = components['schemas']['Balance'];
type Visitor = components['schemas']['Visitor'];
type WebhookEndpoint = components['schemas']['WebhookEndpoint'];
type ApiError = components['schemas']['Error'];
type TestEvent = components['schemas']['WebhookTestEvent'];

const client = createClient<paths>({
  baseUrl: 'https://allot.example/api/v1',
  headers: { 'X-Partner-API-Key': 'partner-api-key' },
});

const describeError = (error: ApiError) =>
  `${error.error.code}: ${error.error.message} (${error.error.requestId ?? 'no request id'})`;

export async function onboard(name: string): Promise<Organization> {
  const { data, error } = await client.POST('/partner/organizations', {
    body: { name, externalId: `crm-${name}`, initialCredits: 100, tier: 'trial' },
  });
  if (error) throw new Error(describeError(error));
  return data.organization;
}

export async function topUp(organization: Organization, amount: number): Promise<Grant> {
  const { data, error } = await client.POST(
    '/partner/organizations/{organizationId}/credits/grants',
    {
      params: { path: { organizationId: organization.id } },
      body: { amount, reason: 'Monthly top-up' },
    },
  );
  if (error) throw new Error(describeError(error));
  return data.grant;
}

export async function balances(organizationId: string): Promise<Balance[]> {
  const { data, error } = await client.GET('/partner/organizations/{organizationId}/credits', {
    params: { path: { organizationId } },
  });
  if (error) throw new Error(describeError(error));
  return data.balances;
}

export async function identifiedEmails(organizationId: string): Promise<string[]> {
  const { data, error } = await client.GET('/partner/organizations/{organizationId}/visitors', {
    params: { path: { organizationId }, query: { page: 1, limit: 50 } },
  });
  if (error) throw new Error(describeError(error));
  return data.visitorStatistics
    .filter((visitor: Visitor) => visitor.identified)
    .flatMap((visitor: Visitor) => (visitor.email ? [visitor.email] : []));
}

export async function endpoints(): Promise<WebhookEndpoint[]> {
  const { data, error } = await client.GET('/partner/webhooks', {});
  if (error) throw new Error(describeError(error));
  return data.endpoints;
}

export const isTestEvent = (body: TestEvent) =>
  body.type === 'webhook.test' && body.data.endpointId.length > 0;
