import { services } from '@allot/api';
import type { TestServer } from './harness.ts';

/**
 * Causes every invoice event for a credit_pool partner, as the operator would: an invoice paid
 * in full (`invoice.issued`, `invoice.paid`), one voided (`invoice.voided`), and one left unpaid
 * past its due date (`invoice.overdue`, payment terms of 0 days). `now` is the server's clock.
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
  await operator('POST', `${partner}/invoices`);
  await services.flagOverdueInvoices(server.db, new Date(now.getTime() + 1));
}
