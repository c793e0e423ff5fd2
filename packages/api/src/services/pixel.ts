import type { Db, Tx } from '@allot/db';
import { scriptTag } from '@allot/domain';
import { notFound } from '../errors.ts';

const pixelColumns = ['pixel_key', 'allowed_referrers'] as const;

function toPixelConfig(row: { pixel_key: string; allowed_referrers: string[] }, publicUrl: string) {
  return {
    apiKey: row.pixel_key,
    allowedReferrers: row.allowed_referrers,
    scriptTag: scriptTag(publicUrl, row.pixel_key),
  };
}

export async function getPixelConfig(
  db: Db | Tx,
  partnerId: string,
  organizationId: string,
  publicUrl: string,
) {
  const row = await db
    .selectFrom('organizations')
    .select(pixelColumns)
    .where('id', '=', organizationId)
    .where('partner_id', '=', partnerId)
    .executeTakeFirst();
  if (!row) throw notFound('Organization');
  return toPixelConfig(row, publicUrl);
}

/** Replaces the allowed referrers (already validated and normalised by the domain schema). */
export async function setAllowedReferrers(
  trx: Tx,
  partnerId: string,
  organizationId: string,
  allowedReferrers: string[],
  now: Date,
) {
  const unique = [...new Set(allowedReferrers)];
  const row = await trx
    .updateTable('organizations')
    .set({ allowed_referrers: unique, updated_at: now })
    .where('id', '=', organizationId)
    .where('partner_id', '=', partnerId)
    .returning(['allowed_referrers'])
    .executeTakeFirst();
  if (!row) throw notFound('Organization');
  return { allowedReferrers: row.allowed_referrers };
}
