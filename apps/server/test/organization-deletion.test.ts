import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError } from './expect-errors.ts';
import { startTestServer, type TestServer } from './harness.ts';
import { ORGS } from './paths.ts';
import { expectBooksBalance } from './books.ts';

/**
 * Deleting an organization gives its unspent allocation back in the same transaction, as
 * lowering the allocation to what it consumed would; restoring it brings it back with nothing
 * left of that allocation.
 */

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const ok: TestServer['ok'] = (...args) => server.ok(...args);

async function createOrg(apiKey: string, body: Record<string, unknown>) {
  const created = await ok('POST', ORGS, apiKey, { name: 'Client', tier: 'paid', ...body });
  return created.organization.id as string;
}

const getOrg = async (apiKey: string, id: string) =>
  (await ok('GET', `${ORGS}/${id}`, apiKey)).organization;
const billing = (apiKey: string) => ok('GET', '/partner/billing', apiKey);
const remove = (apiKey: string, id: string, key?: string) =>
  server.request('DELETE', `${ORGS}/${id}`, {
    apiKey,
    headers: key ? { 'idempotency-key': key } : {},
  });
const consume = (apiKey: string, id: string, amount: number, key?: string) =>
  server.request('POST', `${ORGS}/${id}/credits/consumptions`, {
    apiKey,
    body: { amount },
    headers: key ? { 'idempotency-key': key } : {},
  });

/** Every `reclaim` entry of the partner's ledger (the pool's and the organizations'). */
async function reclaims(apiKey: string) {
  const page = await ok('GET', '/partner/credits/ledger?type=reclaim&limit=500', apiKey);
  return page.entries as {
    account: 'pool' | 'organization';
    organizationId: string | null;
    amount: number;
    reason: string | null;
  }[];
}

async function eventsOf(partnerId: string, type: string) {
  const rows = await server.db
    .selectFrom('events')
    .select('data')
    .where('partner_id', '=', partnerId)
    .where('type', '=', type)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((row) => row.data);
}

/** The ledger's invariants over the whole database. */
const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

describe('DELETE /partner/organizations/{id} in credit_pool mode', () => {
  it('returns exactly the unspent allocation to the pool; grants stay, frozen', async () => {
    const { apiKey, partner } = await server.createPartner({ poolCredits: 1000 });
    const id = await createOrg(apiKey, { initialCredits: 200 });
    // A promotional grant burns after the allocation (a higher priority number burns later).
    await ok('POST', `${ORGS}/${id}/credits/grants`, apiKey, {
      amount: 50,
      priority: 100,
      reason: 'welcome',
    });
    expect((await consume(apiKey, id, 30)).status).toBe(201);
    const before = await billing(apiKey);
    expect(before).toMatchObject({ creditsAllocated: 250, creditsUnallocated: 750 });

    expect((await remove(apiKey, id)).status).toBe(204);

    const after = await billing(apiKey);
    // The 170 unspent credits of the allocation are back; what was consumed stays consumed.
    expect(after).toEqual({
      ...before,
      creditsAllocated: before.creditsAllocated - 170,
      creditsUnallocated: before.creditsUnallocated + 170,
    });
    expect(await getOrg(apiKey, id)).toMatchObject({
      status: 'canceled',
      credits: 30,
      creditsUsed: 30,
      creditsRemaining: 50,
    });
    const entries = await reclaims(apiKey);
    const ofOrg = entries.filter((e) => e.account === 'organization');
    const ofPool = entries.filter((e) => e.account === 'pool');
    expect(sum(ofOrg.map((e) => e.amount))).toBe(-170);
    expect(sum(ofPool.map((e) => e.amount))).toBe(170);
    expect(ofOrg.every((e) => e.organizationId === id && e.reason === 'Organization deleted')).toBe(
      true,
    );
    await expectBooksBalance(server.db);
    // Webhooks hear of it as of any lowering, and of the status change.
    expect(await eventsOf(partner.id, 'credits.allocated')).toEqual([
      { organizationId: id, creditType: 'identification', allocated: 200, previousAllocated: 0 },
      { organizationId: id, creditType: 'identification', allocated: 30, previousAllocated: 200 },
    ]);
    expect(await eventsOf(partner.id, 'organization.status_changed')).toEqual([
      { organizationId: id, status: 'canceled', previousStatus: 'active' },
    ]);
  });

  it('restores with nothing left of its allocation; a later PUT credits raises it from the pool', async () => {
    const { apiKey } = await server.createPartner({ poolCredits: 1000 });
    const id = await createOrg(apiKey, { initialCredits: 200 });
    expect((await remove(apiKey, id)).status).toBe(204);
    await expect(billing(apiKey)).resolves.toMatchObject({
      creditsAllocated: 0,
      creditsUnallocated: 1000,
    });

    const restored = await ok('PUT', `${ORGS}/${id}/status`, apiKey, { enabled: true });
    expect(restored.organization).toMatchObject({
      status: 'active',
      credits: 0,
      creditsUsed: 0,
      creditsRemaining: 0,
    });
    expectError(await consume(apiKey, id, 1), 422, 'insufficient_credits');

    const raised = await ok('PUT', `${ORGS}/${id}/credits`, apiKey, { credits: 120 });
    expect(raised.organization).toMatchObject({ credits: 120, creditsRemaining: 120 });
    await expect(billing(apiKey)).resolves.toMatchObject({
      creditsAllocated: 120,
      creditsUnallocated: 880,
    });
    await expectBooksBalance(server.db);
  });

  it('a restored organization that had consumed keeps that consumption in its allocation', async () => {
    const { apiKey } = await server.createPartner({ poolCredits: 1000 });
    const id = await createOrg(apiKey, { initialCredits: 100 });
    expect((await consume(apiKey, id, 40)).status).toBe(201);
    expect((await remove(apiKey, id)).status).toBe(204);
    const restored = await ok('PUT', `${ORGS}/${id}/status`, apiKey, { enabled: true });
    // Nothing unspent came back; the 40 consumed this period still count against it.
    expect(restored.organization).toMatchObject({
      credits: 40,
      creditsUsed: 40,
      creditsRemaining: 0,
    });
    const raised = await ok('PUT', `${ORGS}/${id}/credits`, apiKey, { credits: 100 });
    expect(raised.organization).toMatchObject({ credits: 100, creditsRemaining: 60 });
    await expect(billing(apiKey)).resolves.toMatchObject({ creditsAllocated: 100 });
  });

  it('deleting twice, or replaying the Idempotency-Key, does not return credits twice', async () => {
    const { apiKey, partner } = await server.createPartner({ poolCredits: 1000 });
    const id = await createOrg(apiKey, { initialCredits: 300 });
    // Another organization's allocation keeps the pool lent out beyond the first one's.
    await createOrg(apiKey, { initialCredits: 200 });

    expect((await remove(apiKey, id, 'delete-1')).status).toBe(204);
    const once = await billing(apiKey);
    const entries = await reclaims(apiKey);
    expect(once).toMatchObject({ creditsAllocated: 200, creditsUnallocated: 800 });

    expect((await remove(apiKey, id, 'delete-1')).status).toBe(204);
    expect((await remove(apiKey, id, 'delete-2')).status).toBe(204);
    expect((await remove(apiKey, id)).status).toBe(204);
    expect(await billing(apiKey)).toEqual(once);
    expect(await reclaims(apiKey)).toEqual(entries);
    expect(await eventsOf(partner.id, 'organization.status_changed')).toHaveLength(1);
    expect((await eventsOf(partner.id, 'credits.allocated')).length).toBe(3);
  });

  it('another partner cannot delete the organization: 404, and its credits stay', async () => {
    const owner = await server.createPartner({ poolCredits: 1000 });
    const other = await server.createPartner({ poolCredits: 1000 });
    const id = await createOrg(owner.apiKey, { initialCredits: 100 });
    expectError(await remove(other.apiKey, id), 404, 'not_found');
    expect(await getOrg(owner.apiKey, id)).toMatchObject({ status: 'active', credits: 100 });
    await expect(billing(owner.apiKey)).resolves.toMatchObject({ creditsAllocated: 100 });
  });
});

describe.each(['external', 'usage_based'] as const)('DELETE in %s mode', (billingMode) => {
  it('the unspent allocation goes back to the issuance account it came from', async () => {
    const { apiKey } = await server.createPartner({ billingMode });
    const id = await createOrg(apiKey, { initialCredits: 100 });
    expect((await consume(apiKey, id, 10)).status).toBe(201);
    expect((await remove(apiKey, id)).status).toBe(204);

    expect(await getOrg(apiKey, id)).toMatchObject({
      status: 'canceled',
      credits: 10,
      creditsUsed: 10,
      creditsRemaining: 0,
    });
    const entries = await reclaims(apiKey);
    expect(entries.map((e) => [e.account, e.amount])).toEqual([['organization', -90]]);
    // No pool in this mode: billing has nothing to report of one.
    await expect(billing(apiKey)).resolves.toMatchObject({
      creditPoolTotal: null,
      creditsAllocated: null,
      creditsRemaining: null,
    });
    await expectBooksBalance(server.db);
  });
});

describe('DELETE under concurrency', () => {
  it('concurrent delete, consumptions and allocations never over- or under-count', async () => {
    const { apiKey } = await server.createPartner({ poolCredits: 1000 });
    const doomed = await createOrg(apiKey, { initialCredits: 300 });
    const other = await createOrg(apiKey, { initialCredits: 100 });

    type Sent = { kind: string; status: number; body: any };
    const as = (kind: string) => (r: { status: number; body: any }) => ({ kind, ...r });
    // Consumptions and allocations of both organizations, interleaved, and the delete among them.
    const calls: (() => Promise<Sent>)[] = Array.from({ length: 60 }, (_, i) =>
      i % 3 === 0
        ? () =>
            server
              .request('PUT', `${ORGS}/${i % 2 ? doomed : other}/credits`, {
                apiKey,
                body: { credits: 100 + i * 5 },
              })
              .then(as(i % 2 ? 'allocate' : 'other'))
        : () => consume(apiKey, doomed, 1, `visit-${i}`).then(as('consume')),
    );
    calls.splice(30, 0, () => remove(apiKey, doomed).then(as('delete')));
    const results = await Promise.all(calls.map((call) => call()));

    for (const r of results) {
      const detail = `${r.kind}: ${r.status} ${JSON.stringify(r.body)}`;
      if (r.kind === 'delete') expect(r.status, detail).toBe(204);
      if (r.kind === 'other') expect(r.status, detail).toBe(200);
      if (r.kind === 'consume') {
        expect([201, 422], detail).toContain(r.status);
        // Refused once canceled, or finding nothing left to spend.
        if (r.status === 422)
          expect(['organization_inactive', 'insufficient_credits']).toContain(r.body.error.code);
      }
      if (r.kind === 'allocate') {
        expect([200, 422], detail).toContain(r.status);
        if (r.status === 422) expect(r.body.error.code).toBe('organization_canceled');
      }
    }
    const consumed = results.filter((r) => r.kind === 'consume' && r.status === 201).length;
    const deleted = await getOrg(apiKey, doomed);
    const kept = await getOrg(apiKey, other);
    // Every consumption that went through is counted; nothing unspent stayed with it.
    expect(deleted).toMatchObject({
      status: 'canceled',
      credits: consumed,
      creditsUsed: consumed,
      creditsRemaining: 0,
    });
    const pool = await billing(apiKey);
    expect(pool.creditsAllocated).toBe(deleted.credits + kept.credits);
    expect(pool.creditsAllocated + pool.creditsUnallocated).toBe(1000);
    expect(pool.creditsUsed).toBe(consumed);
    await expectBooksBalance(server.db);
  });
});

describe('the OpenAPI document', () => {
  it('tells what DELETE and a restore do to credits, and what each creditsRemaining counts', async () => {
    const document = (await (await fetch(`${server.url}/api/v1/openapi.json`)).json()) as {
      paths: Record<string, any>;
      components: { schemas: Record<string, any> };
    };
    // Bodies are references to named schemas: `#/components/schemas/Billing`.
    const resolve = (schema: { $ref?: string; properties?: Record<string, any> }) =>
      schema.$ref
        ? document.components.schemas[schema.$ref.slice(schema.$ref.lastIndexOf('/') + 1)]
        : schema;
    const organization = document.paths['/partner/organizations/{organizationId}'];
    expect(organization.delete.description).toContain('unspent allocation is given back');
    const status = document.paths['/partner/organizations/{organizationId}/status'];
    expect(status.put.description).toContain('restores a canceled one');
    const field = (path: string) =>
      resolve(document.paths[path].get.responses['200'].content['application/json'].schema)
        .properties.creditsRemaining.description as string;
    expect(field('/partner/billing')).toMatch(/^creditPoolTotal - creditsUsed/);
    expect(field('/partner/analytics')).toMatch(/^Sum over all the partner's organizations/);
  });
});
