import type { Db, EntryRow, Tx } from '@allot/db';
import { defined, type Entry, type LedgerQuery } from '@allot/domain';
import { requireOrganization } from './organization-access.ts';
import { csvRow } from './csv.ts';
import { renewsFirst } from './renew-on-read.ts';

/**
 * Whose ledger: one organization's account when `organizationId` is given, else the partner's
 * pool and all its organizations.
 */
interface LedgerScope {
  partnerId: string;
  organizationId?: string | undefined;
}

type Filters = Omit<LedgerQuery, 'cursor' | 'limit'>;

function toEntry(row: EntryRow): Entry {
  return {
    id: String(row.id),
    sequence: row.sequence,
    account: row.account_kind === 'pool' ? 'pool' : 'organization',
    organizationId: row.organization_id,
    type: row.type,
    creditType: row.credit_type,
    amount: row.amount,
    balanceAfter: row.balance_after,
    grantId: row.block_id,
    reason: row.reason,
    reference: row.reference,
    createdAt: row.created_at.toISOString(),
  };
}

/**
 * Entries of a scope after `afterId`, in entry order. Each query walks a partial index in id
 * order (see the ledger migration), so a page costs the same at any depth of the history.
 */
function page(db: Db | Tx, scope: LedgerScope, filters: Filters, afterId: number, limit: number) {
  let query = db.selectFrom('entries').selectAll().where('partner_id', '=', scope.partnerId);
  query = scope.organizationId
    ? query
        .where('organization_id', '=', scope.organizationId)
        .where('account_kind', '=', 'organization')
    : query.where('account_kind', 'in', ['pool', 'organization']);
  if (filters.creditType) query = query.where('credit_type', '=', filters.creditType);
  if (filters.type) query = query.where('type', '=', filters.type);
  if (filters.from) query = query.where('created_at', '>=', new Date(filters.from));
  if (filters.to) query = query.where('created_at', '<', new Date(filters.to));
  return query.where('id', '>', afterId).orderBy('id').limit(limit).execute();
}

/** 404 unless the organization is this partner's. */
async function checkScope(db: Db | Tx, scope: LedgerScope) {
  if (scope.organizationId) await requireOrganization(db, scope.partnerId, scope.organizationId);
}

export const listEntries = renewsFirst(async function listEntries(
  db: Db | Tx,
  partnerId: string,
  query: LedgerQuery,
  _now: Date,
) {
  const scope = { partnerId, organizationId: query.organizationId };
  await checkScope(db, scope);
  const rows = await page(db, scope, query, Number(query.cursor ?? 0), query.limit + 1);
  const more = rows.length > query.limit;
  const entries = rows.slice(0, query.limit);
  return {
    entries: entries.map(toEntry),
    nextCursor: more ? String(defined(entries.at(-1), "the page's last entry").id) : null,
  };
});

const CSV_COLUMNS = [
  'id',
  'createdAt',
  'organizationId',
  'account',
  'creditType',
  'type',
  'amount',
  'balanceAfter',
  'sequence',
  'grantId',
  'reason',
  'reference',
] as const satisfies readonly (keyof Entry)[];

const EXPORT_BATCH = 5_000;

/**
 * The ledger as CSV, one batch of rows at a time: memory stays constant however long the
 * history, and a consumer that reads slowly slows the reads down (the generator is pulled).
 * Entries written after the export started are left out, so the file is one consistent cut.
 */
export const exportEntries = renewsFirst(
  (db: Db | Tx, partnerId: string, filters: Filters, _now: Date) =>
    Promise.resolve(entriesCsv(db, partnerId, filters)),
);

async function* entriesCsv(
  db: Db | Tx,
  partnerId: string,
  filters: Filters,
): AsyncGenerator<string> {
  const scope = { partnerId, organizationId: filters.organizationId };
  await checkScope(db, scope);
  const last = await db
    .selectFrom('entries')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirst();
  const until = Number(last?.id ?? 0);
  yield `${CSV_COLUMNS.join(',')}\n`;
  let after = 0;
  for (;;) {
    const rows = (await page(db, scope, filters, after, EXPORT_BATCH)).filter((r) => r.id <= until);
    if (rows.length === 0) return;
    yield rows.map((row) => csvRow(CSV_COLUMNS, toEntry(row))).join('');
    after = defined(rows.at(-1), "the batch's last entry").id;
    if (rows.length < EXPORT_BATCH) return;
  }
}
