import pg from 'pg';

/**
 * Reconnection backoff: doubling from half a second, and never longer than two seconds, so
 * wake-ups resume within a few seconds of the database coming back. An attempt costs one failed
 * connect, which is nothing beside an outage.
 */
const FIRST_RETRY_MS = 500;
const LAST_RETRY_MS = 2_000;

export interface Listener {
  close: () => Promise<void>;
}

export interface ListenOptions {
  log?: Pick<Console, 'error'>;
  /**
   * Told the moment the connection is lost, before reconnecting: notifications sent from then on
   * are lost until the next `onNotify(null)`.
   */
  onLost?: () => void;
}

/**
 * LISTENs on a PostgreSQL channel on a connection of its own (a pooled one would lose the
 * LISTEN when returned), reconnecting with backoff when the connection drops. `onNotify` runs on
 * every notification with its payload, and with null once after each (re)connection, since
 * notifications sent while disconnected are lost: the caller then looks for work it may have
 * missed. The connection names itself `allot listen <channel>` in `pg_stat_activity`.
 */
export function listen(
  databaseUrl: string,
  channel: string,
  onNotify: (payload: string | null) => void,
  { log = console, onLost }: ListenOptions = {},
): Listener {
  let client: pg.Client | null = null;
  let closed = false;
  let delay = FIRST_RETRY_MS;
  let timer: NodeJS.Timeout | undefined;

  const reconnect = (lost: pg.Client) => {
    if (closed || client !== lost) return;
    client = null;
    onLost?.();
    lost.end().catch(() => {});
    timer = setTimeout(() => void connect(), delay);
    delay = Math.min(delay * 2, LAST_RETRY_MS);
  };

  async function connect() {
    if (closed) return;
    const next = new pg.Client({
      connectionString: databaseUrl,
      connectionTimeoutMillis: 3_000,
      application_name: `allot listen ${channel}`,
    });
    client = next;
    next.on('error', (error) => {
      log.error(`LISTEN ${channel}: connection lost:`, error.message);
      reconnect(next);
    });
    next.on('end', () => reconnect(next));
    next.on('notification', (message) => {
      if (message.channel === channel) onNotify(message.payload ?? '');
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      delay = FIRST_RETRY_MS;
      onNotify(null);
    } catch (error) {
      log.error(`LISTEN ${channel}: cannot connect:`, (error as Error).message);
      reconnect(next);
    }
  }

  void connect();
  return {
    close: async () => {
      closed = true;
      clearTimeout(timer);
      await client?.end().catch(() => {});
    },
  };
}
