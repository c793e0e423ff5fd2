import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createDb } from './connection.ts';
import { useEmbeddedPostgres } from './embedded.ts';

describe('useEmbeddedPostgres', () => {
  it('starts a real server once, lets a second process join it, and keeps data across restarts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'allot-embedded-'));
    await chmod(dir, 0o755);
    try {
      const first = await useEmbeddedPostgres(dir);
      // What the CLI does while a server runs: the same data directory, the same server.
      const second = await useEmbeddedPostgres(dir);
      expect(second.url).toBe(first.url);
      const db = createDb({ url: second.url, max: 1 });
      await sql`CREATE TABLE kept (value int)`.execute(db);
      await sql`INSERT INTO kept VALUES (42)`.execute(db);
      await db.destroy();
      await second.stop(); // joined, so it leaves the server running
      const stillUp = createDb({ url: first.url, max: 1 });
      expect((await sql<{ v: string }>`SELECT version() AS v`.execute(stillUp)).rows[0]?.v).toMatch(
        /PostgreSQL/,
      );
      await stillUp.destroy();
      await first.stop();

      const restarted = await useEmbeddedPostgres(dir);
      const again = createDb({ url: restarted.url, max: 1 });
      expect((await sql<{ value: number }>`SELECT value FROM kept`.execute(again)).rows).toEqual([
        { value: 42 },
      ]);
      await again.destroy();
      await restarted.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
