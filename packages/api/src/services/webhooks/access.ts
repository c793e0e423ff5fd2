import type { Db, Tx } from '@allot/db';
import { notFound, refused } from '../../errors.ts';

/** Another partner's endpoint is indistinguishable from a missing one: both are 404. */
export async function requireEndpoint(
  db: Db | Tx,
  partnerId: string,
  endpointId: string,
  lock?: 'update' | 'share',
) {
  let query = db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('id', '=', endpointId)
    .where('partner_id', '=', partnerId);
  if (lock === 'update') query = query.forUpdate();
  if (lock === 'share') query = query.forShare();
  const row = await query.executeTakeFirst();
  if (!row) throw notFound('Webhook endpoint');
  return row;
}

export const endpointDisabled = () =>
  refused({
    code: 'webhook_endpoint_disabled',
    message: 'The endpoint is disabled; enable it first',
  });
