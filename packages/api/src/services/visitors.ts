import type { Db, Tx } from '@allot/db';
import { notFound } from '../errors.ts';

export async function listVisitors(
  db: Db | Tx,
  partnerId: string,
  input: { organizationId: string; page: number; limit: number },
) {
  const org = await db
    .selectFrom('organizations')
    .select('id')
    .where('id', '=', input.organizationId)
    .where('partner_id', '=', partnerId)
    .executeTakeFirst();
  if (!org) throw notFound('Organization');

  const visitors = db.selectFrom('visitors').where('organization_id', '=', org.id);
  const [rows, count] = await Promise.all([
    visitors
      .select(['id', 'email', 'first_name', 'last_name', 'company_name', 'last_seen_at'])
      .orderBy('last_seen_at', 'desc')
      .orderBy('id', 'desc')
      .limit(input.limit)
      .offset((input.page - 1) * input.limit)
      .execute(),
    visitors.select((eb) => eb.fn.countAll<string>().as('total')).executeTakeFirstOrThrow(),
  ]);
  const total = Number(count.total);
  return {
    visitorsCount: total,
    currentPage: input.page,
    totalPageCount: Math.ceil(total / input.limit),
    visitorStatistics: rows.map((row) => ({
      visitorId: row.id,
      email: row.email,
      firstName: row.first_name,
      lastName: row.last_name,
      companyName: row.company_name,
      lastSeenAt: row.last_seen_at.toISOString(),
    })),
  };
}
