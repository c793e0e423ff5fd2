import type { Db } from '@allot/db';
import { DEFAULT_CREDIT_TYPE } from '@allot/domain';
import { sql } from 'kysely';
import { emitEvents } from './events.ts';

const MINUTE = 60_000;
/** Minutes looked back on each run: a worker down this long still catches up. */
const LOOKBACK_MINUTES = 60;

/**
 * `usage.recorded`: the identifications of each organization, one event per minute that had
 * any, for the partner's billing system. A minute is batched once it has been over for a minute
 * (so transactions stamped in it have committed); each batch's dedupe key is its organization
 * and minute, so running again, or on several workers, adds nothing: the batch keeps its id.
 */
export async function recordUsage(db: Db, now: Date): Promise<number> {
  const until = new Date(Math.floor(now.getTime() / MINUTE) * MINUTE - MINUTE);
  const from = new Date(until.getTime() - LOOKBACK_MINUTES * MINUTE);
  const { rows } = await sql<{
    partner_id: string;
    organization_id: string;
    external_id: string | null;
    minute: Date;
    identifications: number;
    credits: string;
    overage: string;
  }>`
    SELECT i.partner_id, i.organization_id, o.external_id,
      date_trunc('minute', i.identified_at) AS minute, count(*)::int AS identifications,
      sum(i.credits) AS credits, coalesce(sum(c.overage), 0) AS overage
    FROM identifications i
    JOIN organizations o ON o.id = i.organization_id
    -- The consumption behind each identification, by its natural key (see services/ingest.ts).
    LEFT JOIN consumptions c ON c.organization_id = i.organization_id
      AND c.idempotency_key = 'identification:' || i.visitor_id || ':'
        || to_char(i.period_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
    WHERE i.identified_at >= ${from} AND i.identified_at < ${until}
    GROUP BY 1, 2, 3, 4`.execute(db);
  await emitEvents(
    db,
    rows.map((row) => ({
      partnerId: row.partner_id,
      organizationId: row.organization_id,
      type: 'usage.recorded' as const,
      dedupeKey: `usage.recorded:${row.organization_id}:${row.minute.toISOString()}`,
      data: {
        organizationId: row.organization_id,
        externalId: row.external_id,
        creditType: DEFAULT_CREDIT_TYPE,
        batchStart: row.minute.toISOString(),
        batchEnd: new Date(row.minute.getTime() + MINUTE).toISOString(),
        identifications: row.identifications,
        credits: Number(row.credits),
        overage: Number(row.overage),
      },
    })),
  );
  return rows.length;
}
