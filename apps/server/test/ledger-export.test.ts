import { defined } from '@allot/domain';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const ENTRIES = 1_000_000;

/** Heap in use after a full collection: what the process retains (vitest runs with --expose-gc). */
function retainedHeap(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc (see vitest.config.ts)');
  gc();
  return process.memoryUsage().heapUsed;
}

describe('GET .../credits/ledger.csv', () => {
  it('streams 1,000,000 entries with bounded memory', { timeout: 300_000 }, async () => {
    const { apiKey } = await server.createPartner({ billingMode: 'external' });
    const created = await server.request('POST', '/partner/organizations', {
      apiKey,
      body: { name: 'Busy', tier: 'paid' },
    });
    const id = created.body.organization.id as string;
    // A long history, written set-based: one entry per identification, each one credit.
    let started = performance.now();
    await sql`
      INSERT INTO entries (account_id, account_kind, partner_id, organization_id, credit_type,
        transfer_id, type, amount, balance_after, sequence, reason, reference, created_at)
      SELECT a.id, 'organization', a.partner_id, a.organization_id, a.credit_type, n,
        'decrement', -1, ${ENTRIES} - n, n, NULL, 'visit-' || n,
        now() - make_interval(secs => ${ENTRIES} - n)
      FROM accounts a, generate_series(1, ${ENTRIES}) AS n
      WHERE a.organization_id = ${id} AND a.kind = 'organization'`.execute(server.db);
    await sql`ANALYZE entries`.execute(server.db);
    const seeded = (performance.now() - started) / 1000;

    const baseline = retainedHeap();
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, retainedHeap());
    }, 250);
    started = performance.now();
    const response = await fetch(
      `${server.url}/api/v1/partner/organizations/${id}/credits/ledger.csv`,
      { headers: { 'x-partner-api-key': apiKey } },
    );
    expect(response.status).toBe(200);
    // Read as it arrives, keeping nothing but counts and the unfinished last line.
    let lines = 0;
    let bytes = 0;
    let tail = '';
    const decoder = new TextDecoder();
    for await (const chunk of defined(response.body, 'the export body')) {
      bytes += chunk.byteLength;
      const parts = (tail + decoder.decode(chunk, { stream: true })).split('\n');
      tail = parts.pop() ?? '';
      lines += parts.length;
    }
    clearInterval(sampler);
    const exported = (performance.now() - started) / 1000;

    expect(lines).toBe(ENTRIES + 1);
    expect(bytes).toBeGreaterThan(ENTRIES * 50);
    // Buffered, a million rows would retain hundreds of megabytes; streamed, a batch or two.
    const growth = (peak - baseline) / 2 ** 20;
    console.info(
      `seeded in ${seeded.toFixed(1)} s; exported ${lines} lines (${(bytes / 2 ** 20).toFixed(0)} MiB) in ${exported.toFixed(1)} s; retained heap grew at most ${growth.toFixed(1)} MiB`,
    );
    expect(growth, `retained heap grew ${growth.toFixed(1)} MiB`).toBeLessThan(32);
  });
});
