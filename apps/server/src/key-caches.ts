import {
  attachKeyCaches,
  createKeyCaches,
  forgetNotified,
  KEY_CACHES_CHANNEL,
  setListening,
} from '@allot/api';
import type { Db } from '@allot/db';
import { listen } from './listen.ts';

/**
 * This server's key caches (`services/key-caches.ts` in the api package) on `db`, kept current by
 * a LISTEN connection of their own: each notification forgets the rows it names. They serve from
 * memory only while that connection is up: from the moment it is lost until it is back (with
 * backoff, never ending the process) every lookup reads the database, and what was held is
 * dropped both times, since changes went unheard meanwhile.
 */
export function keepKeyCaches(db: Db, databaseUrl: string) {
  const caches = createKeyCaches();
  const detach = attachKeyCaches(db, caches);
  const listener = listen(
    databaseUrl,
    KEY_CACHES_CHANNEL,
    (payload) => {
      if (payload === null) setListening(caches, true);
      else forgetNotified(caches, payload);
    },
    { onLost: () => setListening(caches, false) },
  );
  return {
    caches,
    close: async () => {
      detach();
      await listener.close();
    },
  };
}
