import { sql } from 'kysely';
import type { Tx } from '@allot/db';
import { brandingRow, DEFAULT_INVOICE_PREFIX } from '../branding.ts';

/**
 * Invoice numbers: per issuer, sequential and gap-free. The issuer's counter is raised in the
 * issuing transaction (a rollback takes the number back with everything else), and its row lock
 * orders concurrent issuers of one sequence.
 */

const formatNumber = (prefix: string, n: string | number) =>
  `${prefix}${String(n).padStart(6, '0')}`;

/** The operator's next number, and its name as printed. */
export async function nextOperatorNumber(trx: Tx) {
  const row = await trx
    .updateTable('invoice_issuers')
    .set({ last_number: sql`last_number + 1` })
    .where('issuer', '=', 'operator')
    .returning(['legal_name', 'prefix', 'last_number'])
    .executeTakeFirstOrThrow();
  return { ...row, number: formatNumber(row.prefix, row.last_number) };
}

/** The issuer key of a partner invoicing its organizations. */
export const partnerIssuer = (partnerId: string) => `partner:${partnerId}`;

/**
 * A partner's next client invoice number, with its current prefix (its branding's, else
 * `INV-`): the sequence goes on across a change of prefix, so no number is ever reused.
 */
export async function nextPartnerNumber(trx: Tx, partner: { id: string; name: string }) {
  const brand = await brandingRow(trx, partner.id);
  const prefix = brand?.invoice_prefix ?? DEFAULT_INVOICE_PREFIX;
  const legalName = brand?.display_name ?? partner.name;
  const row = await trx
    .insertInto('invoice_issuers')
    .values({ issuer: partnerIssuer(partner.id), legal_name: legalName, prefix, last_number: 1 })
    .onConflict((oc) =>
      oc.column('issuer').doUpdateSet({
        last_number: sql`invoice_issuers.last_number + 1`,
        prefix,
        legal_name: legalName,
      }),
    )
    .returning(['last_number'])
    .executeTakeFirstOrThrow();
  return formatNumber(prefix, row.last_number);
}
