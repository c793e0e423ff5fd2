import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('a lost database connection', () => {
  it('does not take the server down; the next request gets a fresh connection', async () => {
    const { apiKey } = await server.createPartner();
    // Fill the pool with idle connections, then kill them all from the database side.
    await Promise.all(
      Array.from({ length: 5 }, () => server.request('GET', '/partner/billing', { apiKey })),
    );
    await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
              WHERE datname = current_database() AND pid <> pg_backend_pid()`.execute(server.db);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const after = await server.request('GET', '/partner/billing', { apiKey });
    expect(after.status).toBe(200);
    expect(after.body.creditPoolTotal).toBe(1000);
  });
});
