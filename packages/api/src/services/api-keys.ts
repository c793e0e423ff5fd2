import type { Db, Tx } from '@allot/db';
import { newSecret, sha256 } from '../crypto.ts';
import { notFound } from '../errors.ts';
import { newId } from '../ids.ts';
import { throughCache } from './key-caches.ts';

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

/** An unrevoked key, found by its hash: what authenticating with it needs. */
export interface ApiKeyEntry {
  keyId: string;
  partnerId: string;
  /** As this server last wrote or read it. */
  lastUsedAt: Date | null;
}

async function readApiKey(db: Db | Tx, hash: Buffer): Promise<ApiKeyEntry | undefined> {
  const row = await db
    .selectFrom('api_keys')
    .select(['id', 'partner_id', 'last_used_at'])
    .where('key_hash', '=', hash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row && { keyId: row.id, partnerId: row.partner_id, lastUsedAt: row.last_used_at };
}

/**
 * The key's id and the partner it belongs to, or null for an unknown or revoked key. Found
 * through the key caches, so a request costs no read; a revocation is announced to every server.
 */
export async function authenticatePartner(
  db: Db | Tx,
  apiKey: string,
  now: Date,
): Promise<{ keyId: string; partnerId: string } | null> {
  if (!apiKey.startsWith(KEY_PREFIX) || apiKey.length > 200) return null;
  const hash = sha256(apiKey);
  const key = await throughCache(
    db,
    (caches) => caches.apiKeys,
    hash.toString('base64url'),
    () => readApiKey(db, hash),
  );
  if (!key) return null;
  const { lastUsedAt } = key;
  if (!lastUsedAt || now.getTime() - lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    // Noted on the held entry before the write, so this server's concurrent requests write once.
    key.lastUsedAt = now;
    await db
      .updateTable('api_keys')
      .set({ last_used_at: now })
      .where('id', '=', key.keyId)
      .execute();
  }
  return { keyId: key.keyId, partnerId: key.partnerId };
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
