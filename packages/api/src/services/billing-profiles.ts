import type { Db, Tx } from '@allot/db';
import type {
  BillingProfile,
  SetOrganizationBillingProfileInput,
  SetPartnerBillingProfileInput,
} from '@allot/domain';
import { newId } from '../ids.ts';
import { requireOrganization } from './organization-access.ts';
import { requirePartner } from './partners.ts';

type ProfileRow = {
  legal_name: string;
  billing_email: string;
  address: BillingProfile['address'];
  tax_id: string | null;
  updated_at: Date;
};

function toBillingProfile(row: ProfileRow): BillingProfile {
  return {
    legalName: row.legal_name,
    billingEmail: row.billing_email,
    address: row.address,
    taxId: row.tax_id,
    updatedAt: row.updated_at.toISOString(),
  };
}

/** The profile a partner is invoiced as; null until the operator sets one. */
export async function getPartnerBillingProfile(db: Db | Tx, partnerId: string) {
  await requirePartner(db, partnerId);
  const row = await db
    .selectFrom('billing_profiles')
    .selectAll()
    .where('partner_id', '=', partnerId)
    .where('organization_id', 'is', null)
    .executeTakeFirst();
  return { billingProfile: row ? toBillingProfile(row) : null };
}

/** A profile's columns from its input (every optional field stored as null). */
function profileValues(
  input: SetPartnerBillingProfileInput | SetOrganizationBillingProfileInput,
  now: Date,
) {
  const { address } = input;
  return {
    legal_name: input.legalName,
    billing_email: input.billingEmail,
    address: JSON.stringify({
      line1: address.line1,
      line2: address.line2 ?? null,
      city: address.city,
      region: address.region ?? null,
      postalCode: address.postalCode ?? null,
      country: address.country,
    }),
    tax_id: input.taxId ?? null,
    updated_at: now,
  };
}

/** Sets the profile a partner is invoiced as, whole; issued invoices keep the one they showed. */
export async function setPartnerBillingProfile(
  trx: Tx,
  input: SetPartnerBillingProfileInput,
  now: Date,
) {
  await requirePartner(trx, input.partnerId);
  const values = profileValues(input, now);
  const row = await trx
    .insertInto('billing_profiles')
    .values({ id: newId(), partner_id: input.partnerId, organization_id: null, ...values })
    .onConflict((oc) =>
      oc.column('partner_id').where('organization_id', 'is', null).doUpdateSet(values),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
  return { billingProfile: toBillingProfile(row) };
}

/** The profile an organization is invoiced as by its partner; null until the partner sets one. */
export async function getOrganizationBillingProfile(
  db: Db | Tx,
  partnerId: string,
  organizationId: string,
) {
  await requireOrganization(db, partnerId, organizationId);
  const row = await db
    .selectFrom('billing_profiles')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .executeTakeFirst();
  return { billingProfile: row ? toBillingProfile(row) : null };
}

/** Sets the profile an organization is invoiced as, whole; issued invoices keep theirs. */
export async function setOrganizationBillingProfile(
  trx: Tx,
  partnerId: string,
  input: SetOrganizationBillingProfileInput,
  now: Date,
) {
  await requireOrganization(trx, partnerId, input.organizationId);
  const values = profileValues(input, now);
  const row = await trx
    .insertInto('billing_profiles')
    .values({
      id: newId(),
      partner_id: partnerId,
      organization_id: input.organizationId,
      ...values,
    })
    .onConflict((oc) =>
      oc.column('organization_id').where('organization_id', 'is not', null).doUpdateSet(values),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
  return { billingProfile: toBillingProfile(row) };
}
