import { sql } from 'kysely';
import ipaddr from 'ipaddr.js';
import type { Db, Tx } from '@allot/db';
import { ANOMALY_PREFIX, type CapScope } from '@allot/domain';
import { emitEvent } from './events.ts';

/**
 * The guards on what an identification may charge past the natural key (one credit per identity
 * and period): the organization's caps per billing period and per UTC day, and the anomaly
 * ceiling of new identifications per network and hour. Each is a counter per window, read and
 * raised in the charging transaction under the organization's account lock (so charges of one
 * organization meet them one at a time, whichever process runs them): a charge that would take a
 * counter past its limit is not made, and the visit stays unidentified (ingest-batch.ts).
 */

export interface ChargeLimits {
  identification_cap_period: number | null;
  identification_cap_day: number | null;
  anomaly_threshold: number | null;
}

export interface ChargeWindow {
  scope: string;
  limit: number;
  start: Date;
  end: Date;
  /** What the organization is told when this window refuses a charge, once per window. */
  guard: { kind: 'cap'; scope: CapScope } | { kind: 'anomaly'; network: string };
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const floorTo = (now: Date, unit: number) => new Date(Math.floor(now.getTime() / unit) * unit);

/** The network an address is counted on (a /24 of IPv4, a /48 of IPv6), or null if unparsable. */
export function networkOf(ip: string): string | null {
  if (!ipaddr.isValid(ip)) return null;
  // An IPv4 client on a dual-stack socket arrives as ::ffff:a.b.c.d.
  const address = ipaddr.process(ip);
  const prefix = address.kind() === 'ipv4' ? ANOMALY_PREFIX.ipv4 : ANOMALY_PREFIX.ipv6;
  const network =
    address.kind() === 'ipv4'
      ? ipaddr.IPv4.networkAddressFromCIDR(`${address.toString()}/${prefix}`)
      : ipaddr.IPv6.networkAddressFromCIDR(`${address.toString()}/${prefix}`);
  return `${network.toString()}/${prefix}`;
}

/** The windows a charge counts in, for this organization's limits; none when it set none. */
export function chargeWindows(
  limits: ChargeLimits,
  period: { start: Date; end: Date },
  ip: string,
  now: Date,
): ChargeWindow[] {
  const windows: ChargeWindow[] = [];
  if (limits.identification_cap_period !== null)
    windows.push({
      scope: `period:${period.start.toISOString()}`,
      limit: limits.identification_cap_period,
      ...period,
      guard: { kind: 'cap', scope: 'period' },
    });
  const day = floorTo(now, DAY_MS);
  if (limits.identification_cap_day !== null)
    windows.push({
      scope: `day:${day.toISOString().slice(0, 10)}`,
      limit: limits.identification_cap_day,
      start: day,
      end: new Date(day.getTime() + DAY_MS),
      guard: { kind: 'cap', scope: 'day' },
    });
  const network = networkOf(ip);
  const hour = floorTo(now, HOUR_MS);
  if (limits.anomaly_threshold !== null && network !== null)
    windows.push({
      scope: `network:${network}:${hour.toISOString()}`,
      limit: limits.anomaly_threshold,
      start: hour,
      end: new Date(hour.getTime() + HOUR_MS),
      guard: { kind: 'anomaly', network },
    });
  return windows;
}

/**
 * Tells the partner a guard refused a charge: `credit_usage.cap_reached` once per cap and
 * window, `pixel.anomaly` once per organization and hour (whichever network trips it first).
 */
export async function reportRefusal(
  trx: Tx,
  organization: { id: string; partner_id: string },
  refused: { window: ChargeWindow; count: number },
) {
  const { window, count } = refused;
  const at = { organizationId: organization.id, partnerId: organization.partner_id };
  if (window.guard.kind === 'cap')
    await emitEvent(trx, {
      ...at,
      type: 'credit_usage.cap_reached',
      data: {
        organizationId: organization.id,
        scope: window.guard.scope,
        cap: window.limit,
        windowStart: window.start.toISOString(),
        windowEnd: window.end.toISOString(),
      },
      dedupeKey: `cap_reached:${organization.id}:${window.scope}`,
    });
  else
    await emitEvent(trx, {
      ...at,
      type: 'pixel.anomaly',
      data: {
        organizationId: organization.id,
        network: window.guard.network,
        threshold: window.limit,
        identifications: count,
        hourStart: window.start.toISOString(),
        hourEnd: window.end.toISOString(),
      },
      dedupeKey: `pixel.anomaly:${organization.id}:${window.start.toISOString()}`,
    });
}

/**
 * Starts the caps' counters of the current windows from what was already charged in them, so a
 * cap set mid-period counts the identifications before it. Called when a cap is set; a charge
 * in flight at that moment was priced under the old settings, as any settings change.
 */
export async function seedCapWindows(
  trx: Tx,
  organization: { id: string; charge_period_start: Date; period_end: Date } & ChargeLimits,
  now: Date,
) {
  const period = { start: organization.charge_period_start, end: organization.period_end };
  const windows = chargeWindows(organization, period, '', now);
  for (const window of windows) {
    if (window.guard.kind !== 'cap') continue;
    let charged = trx
      .selectFrom('identifications')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .where('organization_id', '=', organization.id)
      .where('identified_at', '>=', window.start)
      .where('identified_at', '<', window.end);
    if (window.guard.scope === 'period') charged = charged.where('period_start', '=', window.start);
    await sql`
      INSERT INTO charge_windows AS w (organization_id, scope, identifications, expires_at)
      VALUES (${organization.id}, ${window.scope}, (${charged}), ${window.end})
      ON CONFLICT (organization_id, scope) DO UPDATE
        SET identifications = greatest(w.identifications, excluded.identifications)`.execute(trx);
  }
}

/** Deletes the counters of windows that have ended; returns how many. */
export async function forgetChargeWindows(db: Db | Tx, now: Date): Promise<number> {
  const result = await db
    .deleteFrom('charge_windows')
    .where('expires_at', '<=', now)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
