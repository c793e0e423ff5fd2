import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { secondsUntilHealthy, startServerProcess, type ServerProcess } from './processes.ts';

/** `npm start` without DATABASE_URL: the embedded PostgreSQL in a data directory of its own. */

const FIRST_START_MS = 120_000;
let dir: string;
let running: ServerProcess[] = [];

function embeddedServer(dataDir: string) {
  return startServerProcess('', { ALLOT_DATA_DIR: dataDir }, FIRST_START_MS);
}

const postmasterPid = (dataDir: string) =>
  Number(readFileSync(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);

async function stop(server: ServerProcess) {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  await exited;
}

afterEach(async () => {
  // The one that started PostgreSQL stops it; stop the others first.
  for (const server of running.reverse()) await stop(server);
  running = [];
  rmSync(dir, { recursive: true, force: true });
});

const freshDataDir = () => {
  dir = mkdtempSync(join(tmpdir(), 'allot-data-'));
  chmodSync(dir, 0o755);
  return dir;
};

describe('the embedded PostgreSQL', () => {
  it('is started again by the server when it dies, and the server answers again', async () => {
    const dataDir = freshDataDir();
    const server = await embeddedServer(dataDir);
    running.push(server);
    const deaths: unknown[] = [];
    server.child.once('exit', (code, signal) => deaths.push(code ?? signal));
    const before = postmasterPid(dataDir);

    process.kill(before, 'SIGKILL');
    const seconds = await secondsUntilHealthy(server, 15_000);

    expect(postmasterPid(dataDir)).not.toBe(before);
    expect(deaths).toEqual([]);
    expect(server.output()).toMatch(/Embedded PostgreSQL is running again/);
    console.log(`embedded PostgreSQL killed: the server answered again after ${seconds} s`);
  });

  it('two servers started at the same moment on an empty data directory share one', async () => {
    const dataDir = freshDataDir();
    const both = await Promise.allSettled([embeddedServer(dataDir), embeddedServer(dataDir)]);
    for (const result of both) if (result.status === 'fulfilled') running.push(result.value);
    expect(both.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled']);
    for (const server of running) expect(await secondsUntilHealthy(server, 5_000)).toBeLessThan(5);
    // One server, one password: both name the same database.
    const databases = running.map((server) => /database\s+(.*)/.exec(server.output())?.[1]);
    expect(databases[0]).toBe(databases[1]);
  });
});
