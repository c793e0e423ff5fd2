// What the invoice tests do over REST: price a partner, give it organizations that consume, issue.
import { expect } from 'vitest';
import type { TestServer } from './harness.ts';
import { ORGS } from './paths.ts';

export function invoicing(server: () => TestServer) {
  const operator = (method: string, path: string, body?: unknown) =>
    server().request(method, path, { operator: true, body });

  async function pricedPartner(partner: Record<string, unknown>, pricing: Record<string, unknown>) {
    const created = await server().createPartner(partner);
    const id = created.partner.id;
    const priced = await operator('PUT', `/operator/partners/${id}/pricing`, pricing);
    expect(priced.status).toBe(200);
    return { id, apiKey: created.apiKey };
  }

  async function organization(apiKey: string, name: string, credits: number) {
    const created = await server().request('POST', ORGS, {
      apiKey,
      body: { name, tier: 'paid', initialCredits: credits },
    });
    expect(created.status).toBe(201);
    return created.body.organization.id as string;
  }

  async function consume(apiKey: string, organizationId: string, amount: number) {
    const response = await server().request(
      'POST',
      `${ORGS}/${organizationId}/credits/consumptions`,
      { apiKey, body: { amount } },
    );
    expect(response.status).toBe(201);
  }

  const issueNow = (partnerId: string) =>
    operator('POST', `/operator/partners/${partnerId}/invoices`);

  return { operator, pricedPartner, organization, consume, issueNow };
}

/** The lines as (description, quantity, unit price, amount). */
export const linesOf = (invoice: { lines: Record<string, unknown>[] }) =>
  invoice.lines.map((line) => [line.description, line.quantity, line.unitPrice, line.amount]);

/** "12.34" as 1234 cents, and back: integers, never a float. */
export const cents = (amount: string) => Number(amount.replace('.', ''));
export const dollars = (total: number) =>
  `${total < 0 ? '-' : ''}${Math.trunc(Math.abs(total) / 100)}.${String(Math.abs(total % 100)).padStart(2, '0')}`;
