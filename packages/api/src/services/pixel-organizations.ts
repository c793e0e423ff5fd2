import type { Db, Tx } from '@allot/db';
import type { OrganizationStatus } from '@allot/domain';
import { throughCache } from './key-caches.ts';

/**
 * What the pixel's paths read of the organization behind a pixel key: whether its script runs
 * (`/script.js`) and how its events are checked and charged (`ingestEvent`).
 *
 * It comes from the key caches, so it may be the row as it was a few milliseconds ago (while the
 * notification of a change is on its way), a TTL ago at most. Every change of the row is
 * announced, the period's included; the period is cached rather than read per event because a
 * row a moment old still charges the right period. A renewal moves `period_end` and
 * `charge_period_start` only once the period has ended, so until its announcement arrives the row
 * shows the ended period: ingest sees `period_end <= now`, renews (a no-op by then) and charges the
 * period containing `now` by the billing cycle, the one a fresh read gives. Any other change (the
 * billing cycle, the status, the referrers, the caps) treats an event as if it had arrived a
 * moment before the change.
 */
export interface PixelOrganization {
  id: string;
  partner_id: string;
  status: OrganizationStatus;
  product_type: 'B2B' | 'B2C';
  allowed_referrers: string[];
  billing_period: 'monthly' | 'quarterly' | 'annually';
  billing_day_of_month: number;
  billing_anchor: Date;
  period_end: Date;
  charge_period_start: Date;
  identification_cap_period: number | null;
  identification_cap_day: number | null;
  anomaly_threshold: number | null;
}

function readPixelOrganization(db: Db | Tx, key: string): Promise<PixelOrganization | undefined> {
  return db
    .selectFrom('organizations')
    .select([
      'id',
      'partner_id',
      'status',
      'product_type',
      'allowed_referrers',
      'billing_period',
      'billing_day_of_month',
      'billing_anchor',
      'period_end',
      'charge_period_start',
      'identification_cap_period',
      'identification_cap_day',
      'anomaly_threshold',
    ])
    .where('pixel_key', '=', key)
    .executeTakeFirst();
}

/** The organization whose pixel has this key, if any. */
export function pixelOrganization(
  db: Db | Tx,
  key: string,
): Promise<PixelOrganization | undefined> {
  return throughCache(
    db,
    (caches) => caches.pixelOrganizations,
    key,
    () => readPixelOrganization(db, key),
  );
}
