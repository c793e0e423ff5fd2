import type { Db, Tx } from '@allot/db';
import { newSecret, sha256 } from '../crypto.ts';
import { notFound } from '../errors.ts';
import { newId } from '../ids.ts';

const KEY_PREFIX = 'allot_sk_';
/** Writing last_used_at on every request would turn each read into a write. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** Issues a key for a partner; the plaintext is returned once and only its hash is stored. */
export async function createApiKey(
  db: Db | Tx,
  partnerId: string,
): Promise<{ id: string; apiKey: string }> {
  const apiKey = newSecret(KEY_PREFIX);
  const id = newId();
  await db
    .insertInto('api_keys')
    .values({
      id,
      partner_id: partnerId,
      key_hash: sha256(apiKey),
      prefix: apiKey.slice(0, KEY_PREFIX.length + 6),
    })
    .execute();
  return { id, apiKey };
}

export async function revokeApiKey(
  db: Db | Tx,
  partnerId: string,
  keyId: string,
  now: Date,
): Promise<void> {
  const result = await db
    .updateTable('api_keys')
    .set({ revoked_at: now })
    .where('id', '=', keyId)
    .where('partner_id', '=', partnerId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) {
    const exists = await db
      .selectFrom('api_keys')
      .select('id')
      .where('id', '=', keyId)
      .where('partner_id', '=', partnerId)
      .executeTakeFirst();
    if (!exists) throw notFound('API key');
  }
}

/** The key's id and the partner it belongs to, or null for an unknown or revoked key. */
export async function authenticatePartner(
  db: Db | Tx,
  apiKey: string,
  now: Date,
): Promise<{ keyId: string; partnerId: string } | null> {
  if (!apiKey.startsWith(KEY_PREFIX) || apiKey.length > 200) return null;
  const row = await db
    .selectFrom('api_keys')
    .select(['id', 'partner_id', 'last_used_at'])
    .where('key_hash', '=', sha256(apiKey))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row) return null;
  if (!row.last_used_at || now.getTime() - row.last_used_at.getTime() > LAST_USED_RESOLUTION_MS) {
    await db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', row.id).execute();
  }
  return { keyId: row.id, partnerId: row.partner_id };
}

/** A partner's keys, newest first, revoked ones included (so the list explains a refused key). */
export async function listApiKeys(db: Db | Tx, partnerId: string) {
  const rows = await db
    .selectFrom('api_keys')
    .selectAll()
    .where('partner_id', '=', partnerId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  return {
    apiKeys: rows.map((row) => ({
      id: row.id,
      prefix: row.prefix,
      createdAt: row.created_at.toISOString(),
      lastUsedAt: row.last_used_at?.toISOString() ?? null,
      revokedAt: row.revoked_at?.toISOString() ?? null,
    })),
  };
}
