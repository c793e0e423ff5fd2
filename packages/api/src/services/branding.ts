import type { Db, InvoiceBrand, PartnerBrandingTable, Tx } from '@allot/db';
import type { Selectable } from 'kysely';
import type { Branding, SetBrandingInput } from '@allot/domain';

/**
 * A partner's brand on everything its clients receive: the invoices it issues them (their PDF
 * and the content of their emails) show its display name, logo, color, support address and
 * footer, and are numbered with its prefix.
 */

type BrandingRow = Selectable<PartnerBrandingTable>;

/** The prefix of a partner's client invoices before it sets one. */
export const DEFAULT_INVOICE_PREFIX = 'INV-';

function toBranding(row: BrandingRow): Branding {
  return {
    displayName: row.display_name,
    logoUrl: row.logo_url,
    primaryColor: row.primary_color,
    invoicePrefix: row.invoice_prefix,
    supportEmail: row.support_email,
    footer: row.footer,
    updatedAt: row.updated_at.toISOString(),
  };
}

export const brandingRow = (db: Db | Tx, partnerId: string) =>
  db
    .selectFrom('partner_branding')
    .selectAll()
    .where('partner_id', '=', partnerId)
    .executeTakeFirst();

/** The brand an invoice prints, as it stands now; the partner's name when it has none. */
export function invoiceBrandOf(row: BrandingRow | undefined, partnerName: string): InvoiceBrand {
  return {
    displayName: row?.display_name ?? partnerName,
    logoUrl: row?.logo_url ?? null,
    primaryColor: row?.primary_color ?? null,
    supportEmail: row?.support_email ?? null,
    footer: row?.footer ?? null,
  };
}

export async function getBranding(db: Db | Tx, partnerId: string) {
  const row = await brandingRow(db, partnerId);
  return { branding: row ? toBranding(row) : null };
}

/** `PUT /partner/branding`, whole. Issued invoices keep the brand they were issued with. */
export async function setBranding(trx: Tx, partnerId: string, input: SetBrandingInput, now: Date) {
  const values = {
    display_name: input.displayName,
    logo_url: input.logoUrl ?? null,
    primary_color: input.primaryColor ?? null,
    invoice_prefix: input.invoicePrefix,
    support_email: input.supportEmail ?? null,
    footer: input.footer ?? null,
    updated_at: now,
  };
  const row = await trx
    .insertInto('partner_branding')
    .values({ partner_id: partnerId, ...values })
    .onConflict((oc) => oc.column('partner_id').doUpdateSet(values))
    .returningAll()
    .executeTakeFirstOrThrow();
  return { branding: toBranding(row) };
}
