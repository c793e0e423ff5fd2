import { services } from '@allot/api';
import type { TestServer } from './harness.ts';

/**
 * Causes every invoice event for a credit_pool partner, as the operator would: an invoice paid
 * in full (`invoice.issued`, `invoice.paid`), one voided (`invoice.voided`), and one left unpaid
 * past its due date (`invoice.overdue`, payment terms of 0 days) after a monetary credit of
 * $1.00 was applied to it (`credits.applied`; the `usd` credit type is added when missing). `now`
 * is the server's clock.
 */
export async function tripInvoiceEvents(server: TestServer, partnerId: string, now: Date) {
  const operator = async (method: string, path: string, body?: unknown) => {
    const response = await server.request(method, path, { operator: true, body });
    if (response.status >= 300)
      throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  };
  const partner = `/operator/partners/${partnerId}`;
  await operator('PUT', `${partner}/pricing`, {
    currency: 'USD',
    poolUnitPrice: '0.01',
    paymentTermsDays: 0,
  });
  const paid = await operator('POST', `${partner}/invoices`);
  await operator('POST', `/operator/invoices/${paid.invoice.id}/payments`, {
    amount: paid.invoice.total,
    method: 'bank_transfer',
  });
  await operator('PUT', `${partner}/billing`, { poolCredits: 5000 });
  const voided = await operator('POST', `${partner}/invoices`);
  await operator('POST', `/operator/invoices/${voided.invoice.id}/void`, { reason: 'Reissued' });
  await operator('PUT', `${partner}/billing`, { poolCredits: 6000 });
  const usd = await server.request('POST', '/operator/credit-types', {
    operator: true,
    body: { key: 'usd', name: 'US dollar credit', unit: 'cent', currency: 'USD' },
  });
  if (usd.status !== 201 && usd.status !== 409) throw new Error(`credit type: ${usd.status}`);
  await operator('POST', `${partner}/credits/grants`, {
    amount: 100,
    creditType: 'usd',
    reason: 'Service credit',
  });
  await operator('POST', `${partner}/invoices`);
  await services.flagOverdueInvoices(server.db, new Date(now.getTime() + 1));
}

/**
 * Causes every client invoice event, as a partner invoicing one of its organizations would: a
 * purchase invoiced and paid (`client_invoice.issued`, `.paid`), one voided (`.voided`), and one
 * left unpaid past its due date (`.overdue`, payment terms of 0 days). `now` is the server's clock.
 */
export async function tripClientInvoiceEvents(
  server: TestServer,
  apiKey: string,
  organizationId: string,
  now: Date,
) {
  const partner = async (method: string, path: string, body?: unknown) => {
    const response = await server.request(method, path, { apiKey, body });
    if (response.status >= 300)
      throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  };
  await partner('PUT', '/partner/pricing', {
    currency: 'USD',
    creditUnitPrice: '0.05',
    paymentTermsDays: 0,
  });
  const sell = () =>
    partner('POST', `/partner/organizations/${organizationId}/credits/grants`, {
      amount: 20,
      kind: 'purchased',
      invoice: true,
      reason: 'Credit pack',
    });
  const paid = await sell();
  await partner('POST', `/partner/invoices/${paid.invoice.id}/payments`, {
    amount: paid.invoice.total,
    method: 'card',
  });
  const voided = await sell();
  await partner('POST', `/partner/invoices/${voided.invoice.id}/void`, { reason: 'Sold twice' });
  await sell();
  await services.flagOverdueInvoices(server.db, new Date(now.getTime() + 1));
}
