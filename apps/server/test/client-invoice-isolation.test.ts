// Two books of invoices, kept apart: a partner's invoices to its organizations and its own bills
// from the operator never mix, and no partner reads, pays, voids or bills another's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';
import { ORGS } from './paths.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ now: () => new Date('2031-02-10T12:00:00.000Z') });
});
afterAll(() => server.close());

/** A partner billed by the operator, with a client it sold credits to (an issued invoice). */
async function partnerWithClientInvoice(name: string) {
  const { apiKey, partner } = await server.createPartner({ name, billingMode: 'credit_pool' });
  const as = (method: string, path: string, body?: unknown) =>
    server.request(method, path, { apiKey, body });
  const priced = await server.request('PUT', `/operator/partners/${partner.id}/pricing`, {
    operator: true,
    body: { currency: 'USD', poolUnitPrice: '0.01' },
  });
  expect(priced.status).toBe(200);
  const bill = await server.request('POST', `/operator/partners/${partner.id}/invoices`, {
    operator: true,
  });
  expect(bill.status).toBe(201);
  expect(
    (await as('PUT', '/partner/pricing', { currency: 'USD', creditUnitPrice: '0.05' })).status,
  ).toBe(200);
  const org = (await as('POST', ORGS, { name: `${name} client`, tier: 'paid' })).body.organization;
  const sale = await as('POST', `${ORGS}/${org.id}/credits/grants`, {
    amount: 100,
    kind: 'purchased',
    invoice: true,
    reason: 'Credit pack',
  });
  expect(sale.status).toBe(201);
  return { as, orgId: org.id as string, bill: bill.body.invoice, clientInvoice: sale.body.invoice };
}

describe('invoice isolation', () => {
  it('keeps a partner’s client invoices and its own bills apart', async () => {
    const mine = await partnerWithClientInvoice('Alpha');
    const clientIds = (await mine.as('GET', '/partner/invoices')).body.invoices.map(
      (i: { id: string }) => i.id,
    );
    expect(clientIds).toEqual([mine.clientInvoice.id]);
    const billIds = (await mine.as('GET', '/partner/billing/invoices')).body.invoices.map(
      (i: { id: string }) => i.id,
    );
    expect(billIds).toEqual([mine.bill.id]);
    // Neither is reachable through the other's paths.
    expect((await mine.as('GET', `/partner/invoices/${mine.bill.id}`)).status).toBe(404);
    expect(
      (await mine.as('GET', `/partner/billing/invoices/${mine.clientInvoice.id}`)).status,
    ).toBe(404);
    const pay = { amount: '1.00', method: 'card' };
    expect((await mine.as('POST', `/partner/invoices/${mine.bill.id}/payments`, pay)).status).toBe(
      404,
    );
    expect(
      (await mine.as('POST', `/partner/invoices/${mine.bill.id}/void`, { reason: 'Mine now' }))
        .status,
    ).toBe(404);
    // The operator's list holds its bills only.
    const operatorList = await server.request('GET', '/operator/invoices?pageSize=100', {
      operator: true,
    });
    const operatorIds = operatorList.body.invoices.map((i: { id: string }) => i.id);
    expect(operatorIds).toContain(mine.bill.id);
    expect(operatorIds).not.toContain(mine.clientInvoice.id);
    expect(
      (
        await server.request('GET', `/operator/invoices/${mine.clientInvoice.id}`, {
          operator: true,
        })
      ).status,
    ).toBe(404);
    const csv = await mine.as('GET', '/partner/invoices.csv');
    expect(String(csv.body)).toContain(mine.clientInvoice.number);
  });

  it('never lets a partner read, pay, void or bill another partner’s client', async () => {
    const alpha = await partnerWithClientInvoice('Beta');
    const other = await partnerWithClientInvoice('Gamma');
    const id = alpha.clientInvoice.id;
    for (const [method, path, body] of [
      ['GET', `/partner/invoices/${id}`],
      ['GET', `/partner/invoices/${id}/pdf`],
      ['POST', `/partner/invoices/${id}/payments`, { amount: '5.00', method: 'card' }],
      ['POST', `/partner/invoices/${id}/void`, { reason: 'Not mine' }],
      ['POST', `${ORGS}/${alpha.orgId}/invoices`],
      ['GET', `${ORGS}/${alpha.orgId}/invoices/upcoming`],
      ['GET', `${ORGS}/${alpha.orgId}/pricing`],
      ['PUT', `${ORGS}/${alpha.orgId}/pricing`, { periodFee: '1' }],
      ['GET', `${ORGS}/${alpha.orgId}/billing-profile`],
    ] as const)
      expect((await other.as(method, path, body)).status, `${method} ${path}`).toBe(404);
    const listed = (await other.as('GET', `/partner/invoices?organizationId=${alpha.orgId}`)).body;
    expect(listed.invoices).toEqual([]);
    // Nothing changed: still issued, unpaid, with its number.
    const read = (await alpha.as('GET', `/partner/invoices/${id}`)).body.invoice;
    expect(read).toMatchObject({ status: 'issued', amountPaid: '0.00', number: 'INV-000001' });
    expect(other.clientInvoice.number).toBe('INV-000001');
  });
});
