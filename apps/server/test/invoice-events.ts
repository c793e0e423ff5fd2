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
