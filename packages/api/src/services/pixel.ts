import type { Db, Tx } from '@allot/db';
import { scriptTag } from '@allot/domain';
import { notFound } from '../errors.ts';
import { pixelOrganization } from './pixel-organizations.ts';

const pixelColumns = ['pixel_key', 'allowed_referrers'] as const;

function toPixelConfig(
  row: { pixel_key: string; allowed_referrers: string[]; last_event_at: Date | null },
  publicUrl: string,
) {
  return {
    apiKey: row.pixel_key,
    allowedReferrers: row.allowed_referrers,
    scriptTag: scriptTag(publicUrl, row.pixel_key),
    lastEventAt: row.last_event_at?.toISOString() ?? null,
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
    .select((eb) =>
      eb
        .selectFrom('pixel_daily')
        .select((inner) => inner.fn.max('last_event_at').as('last'))
        .whereRef('pixel_daily.organization_id', '=', 'organizations.id')
        .as('last_event_at'),
    )
    .where('id', '=', organizationId)
    .where('partner_id', '=', partnerId)
    .executeTakeFirst();
  if (!row) throw notFound('Organization');
  return toPixelConfig(row, publicUrl);
}

/**
 * Whether `/script.js` serves the script for this key: only an active organization's pixel runs.
 * The same cached row as its events', so a script load costs no read.
 */
export async function pixelKeyActive(db: Db | Tx, pixelKey: string): Promise<boolean> {
  const org = await pixelOrganization(db, pixelKey);
  return org?.status === 'active';
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
