import type { Db, Tx } from '@allot/db';
import type { ApiKeyEntry } from './api-keys.ts';
import { KeyCache, type Perf } from './key-cache.ts';
import type { PixelOrganization } from './pixel-organizations.ts';

/**
 * What the database's triggers announce changes on (`key_caches_forget_rows`,
 * `key_caches_forget_row`): `<table>:<id>,<id>,...`, at the commit of the change.
 */
export const KEY_CACHES_CHANNEL = 'allot_key_caches';

/**
 * How long an entry is served without being read again. A notification forgets a changed row
 * within milliseconds, and a LISTEN connection that drops visibly stops the caches until it is
 * back; this bounds the rest (a connection that dies silently, a notification lost with it) well
 * inside the promise that a suspended organization's events and a revoked key are refused within
 * one second on every server.
 */
export const KEY_CACHE_TTL_MS = 500;

/**
 * Entries per cache: more pixels and keys than a large deployment sees busy within a TTL. A full
 * cache of organizations holds about 20 MB, one of API keys less.
 */
const MAX_ENTRIES = 10_000;

/**
 * The lookups every pixel event, script load and API call starts with, held in this server's
 * memory: the organization behind a pixel key (`/collect`, `/script.js`) and the key behind an
 * API key's hash (`partnerProcedure`). Each server has its own.
 */
export interface KeyCaches {
  pixelOrganizations: KeyCache<PixelOrganization>;
  apiKeys: KeyCache<ApiKeyEntry>;
}

export function createKeyCaches(options: { ttlMs?: number; perf?: Perf } = {}): KeyCaches {
  const common = {
    max: MAX_ENTRIES,
    ttlMs: options.ttlMs ?? KEY_CACHE_TTL_MS,
    ...(options.perf ? { perf: options.perf } : {}),
  };
  return {
    pixelOrganizations: new KeyCache<PixelOrganization>({
      ...common,
      idOf: (org) => org.id,
      partnerOf: (org) => org.partner_id,
    }),
    apiKeys: new KeyCache<ApiKeyEntry>({
      ...common,
      idOf: (key) => key.keyId,
      partnerOf: (key) => key.partnerId,
    }),
  };
}

const all = (caches: KeyCaches) => [caches.pixelOrganizations, caches.apiKeys];

/**
 * The caches a database handle's lookups go through. They hang on the handle, so the services
 * reach them through the `db` they are already given; a transaction has none, since what it reads
 * must include its own uncommitted writes.
 */
const attached = new WeakMap<Db, KeyCaches>();

/** Makes `db`'s lookups go through `caches`; returns the undoing. One set of caches per handle. */
export function attachKeyCaches(db: Db, caches: KeyCaches): () => void {
  if (attached.has(db)) throw new Error('This database handle already has key caches');
  attached.set(db, caches);
  return () => {
    attached.delete(db);
    setListening(caches, false);
  };
}

export function keyCachesOf(db: Db | Tx): KeyCaches | undefined {
  return db.isTransaction ? undefined : attached.get(db);
}

/** What `read` finds for `key`, through the handle's cache when it has one. */
export function throughCache<V extends object>(
  db: Db | Tx,
  cacheOf: (caches: KeyCaches) => KeyCache<V>,
  key: string,
  read: () => Promise<V | undefined>,
): Promise<V | undefined> {
  const caches = keyCachesOf(db);
  return caches ? cacheOf(caches).get(key, read) : read();
}

/**
 * Serves from memory while changes are heard (the LISTEN connection is up), or not at all while
 * they may go unheard. Either way everything held is dropped: a change may have gone unheard.
 */
export function setListening(caches: KeyCaches, listening: boolean) {
  for (const cache of all(caches)) cache.listening = listening;
}

/** Forgets what a trigger's notification names; an unexpected one forgets everything. */
export function forgetNotified(caches: KeyCaches, payload: string) {
  const separator = payload.indexOf(':');
  const table = separator < 0 ? '' : payload.slice(0, separator);
  const ids = payload.slice(separator + 1).split(',');
  if (table === 'organizations') caches.pixelOrganizations.forgetIds(ids);
  else if (table === 'api_keys') caches.apiKeys.forgetIds(ids);
  else forgetAll(caches);
}

/**
 * Forgets a partner's entries once a change it made here has committed. Other servers learn of
 * it from the notification; this one must not wait for it, since the partner's next request may
 * arrive here before the notification does, and must see the change.
 */
export function forgetPartner(caches: KeyCaches, partnerId: string) {
  for (const cache of all(caches)) cache.forgetPartner(partnerId);
}

/** Forgets everything: after the operator's changes, which may touch any partner. */
export function forgetAll(caches: KeyCaches) {
  for (const cache of all(caches)) cache.clear();
}
