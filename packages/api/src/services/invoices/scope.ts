import type { SelectQueryBuilder } from 'kysely';
import type { Database } from '@allot/db';
import { partnerIssuer } from './numbering.ts';

/**
 * Whose invoices a read or an action may reach: the operator's (every one, or those to one
 * partner: its bills), or a partner's to its organizations (every one, or one organization's).
 * The one place the two books of invoices are kept apart: a partner's client invoices never
 * appear among its bills, nor the reverse, and no partner reaches another's.
 */
export type InvoiceScope =
  | { issuer: 'operator'; partnerId?: string | undefined }
  | { issuer: 'partner'; partnerId: string; organizationId?: string | undefined };

export const OPERATOR_INVOICES: InvoiceScope = { issuer: 'operator' };

export function inScope<O>(
  query: SelectQueryBuilder<Database, 'invoices', O>,
  scope: InvoiceScope,
): SelectQueryBuilder<Database, 'invoices', O> {
  if (scope.issuer === 'operator') {
    const operator = query.where('invoices.issuer', '=', 'operator');
    return scope.partnerId ? operator.where('invoices.partner_id', '=', scope.partnerId) : operator;
  }
  const partner = query
    .where('invoices.issuer', '=', partnerIssuer(scope.partnerId))
    .where('invoices.partner_id', '=', scope.partnerId);
  return scope.organizationId
    ? partner.where('invoices.organization_id', '=', scope.organizationId)
    : partner;
}
