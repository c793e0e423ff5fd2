import { createTestDatabase, type TestDatabase } from '@allot/db/testing';
import { sql, type RawBuilder } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContextFactory } from '../index.ts';
import { createCaller, type Caller } from '../root.ts';
import { authenticatePartner } from './api-keys.ts';
import {
  attachKeyCaches,
  createKeyCaches,
  forgetNotified,
  setListening,
  type KeyCaches,
} from './key-caches.ts';
import { pixelKeyActive } from './pixel.ts';

// The key caches on a real database, without a LISTEN connection: nothing forgets an entry but
// what the test announces, and the caches' clock only ticks, so no entry ever reaches its TTL.
// What the server's LISTEN connection adds is tested across processes in apps/server.

const NOW = new Date('2030-01-15T12:00:00Z');
let database: TestDatabase;
let caches: KeyCaches;
let partner: Caller;
let apiKey: string;
let keyId: string;
let orgId: string;
let pixelKey: string;

/** A change the triggers do not announce: what a lost notification would leave. */
async function silently(statement: RawBuilder<unknown>) {
  await database.db.transaction().execute(async (trx) => {
    await sql`SET LOCAL session_replication_role = replica`.execute(trx);
    await statement.execute(trx);
  });
}

beforeAll(async () => {
  database = await createTestDatabase();
  let tick = 0;
  caches = createKeyCaches({ ttlMs: 1e9, perf: { now: () => (tick += 1) } });
  attachKeyCaches(database.db, caches);
  setListening(caches, true);
  const contextFor = createContextFactory({
    db: database.db,
    publicUrl: 'http://localhost',
    operatorToken: 'operator-token',
    clock: () => NOW,
  });
  const operator = createCaller(contextFor({ operatorToken: 'operator-token' }));
  const created = await operator.operator.partners.create({
    name: 'Partner',
    billingMode: 'credit_pool',
    billingPeriod: 'monthly',
    poolCredits: 100,
  });
  apiKey = created.apiKey;
  partner = createCaller(contextFor({ apiKey }));
  const { organization } = await partner.organizations.create({ name: 'Client', tier: 'paid' });
  orgId = organization.id;
  pixelKey = (await partner.pixel.get({ organizationId: orgId })).apiKey;
  const key = await database.db.selectFrom('api_keys').select('id').executeTakeFirstOrThrow();
  keyId = key.id;
});
afterAll(async () => {
  await database.drop();
});

describe('the key caches on a database handle', () => {
  it("serve a pixel key's organization from memory until a change of its row is announced", async () => {
    expect(await pixelKeyActive(database.db, pixelKey)).toBe(true);
    await silently(sql`UPDATE organizations SET status = 'suspended' WHERE id = ${orgId}`);
    expect(await pixelKeyActive(database.db, pixelKey)).toBe(true);
    // A transaction reads the database: it must see what it wrote itself.
    const inTransaction = await database.db
      .transaction()
      .execute((trx) => pixelKeyActive(trx, pixelKey));
    expect(inTransaction).toBe(false);

    forgetNotified(caches, `organizations:${orgId}`);
    expect(await pixelKeyActive(database.db, pixelKey)).toBe(false);
    await silently(sql`UPDATE organizations SET status = 'active' WHERE id = ${orgId}`);
    forgetNotified(caches, `organizations:${orgId}`);
    expect(await pixelKeyActive(database.db, pixelKey)).toBe(true);
  });

  it('authenticate an API key from memory until its revocation is announced', async () => {
    expect(await authenticatePartner(database.db, apiKey, NOW)).toEqual({
      keyId,
      partnerId: expect.any(String),
    });
    await silently(sql`UPDATE api_keys SET revoked_at = ${NOW} WHERE id = ${keyId}`);
    expect(await authenticatePartner(database.db, apiKey, NOW)).not.toBeNull();
    forgetNotified(caches, `api_keys:${keyId}`);
    expect(await authenticatePartner(database.db, apiKey, NOW)).toBeNull();
    await silently(sql`UPDATE api_keys SET revoked_at = NULL WHERE id = ${keyId}`);
  });

  it("write a key's last use once a minute, read from what they hold", async () => {
    const lastUsed = async () =>
      (
        await database.db
          .selectFrom('api_keys')
          .select('last_used_at')
          .where('id', '=', keyId)
          .executeTakeFirstOrThrow()
      ).last_used_at;
    const later = (ms: number) => new Date(NOW.getTime() + ms);
    await authenticatePartner(database.db, apiKey, later(120_000));
    expect(await lastUsed()).toEqual(later(120_000));
    await authenticatePartner(database.db, apiKey, later(150_000));
    expect(await lastUsed()).toEqual(later(120_000));
    await authenticatePartner(database.db, apiKey, later(190_000));
    expect(await lastUsed()).toEqual(later(190_000));
  });

  it("forget a partner's entries on this server as soon as its own change has committed", async () => {
    expect(await pixelKeyActive(database.db, pixelKey)).toBe(true);
    // No notification reaches these caches: the procedure's own forgetting must do.
    await partner.organizations.setStatus({ organizationId: orgId, enabled: false });
    expect(await pixelKeyActive(database.db, pixelKey)).toBe(false);
    await partner.organizations.setStatus({ organizationId: orgId, enabled: true });
    expect(await pixelKeyActive(database.db, pixelKey)).toBe(true);
  });

  it('read every lookup while they hear nothing (their LISTEN connection is down)', async () => {
    expect(await pixelKeyActive(database.db, pixelKey)).toBe(true);
    setListening(caches, false);
    await silently(sql`UPDATE organizations SET status = 'suspended' WHERE id = ${orgId}`);
    expect(await pixelKeyActive(database.db, pixelKey)).toBe(false);
    await silently(sql`UPDATE organizations SET status = 'active' WHERE id = ${orgId}`);
    expect(await pixelKeyActive(database.db, pixelKey)).toBe(true);
    setListening(caches, true);
  });
});
