// Money before any invoice: the operator's prices for a partner, the profile its invoices are
// addressed to, and monetary credit types. Amounts are decimal strings in and out, never floats.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const operator = (method: string, path: string, body?: unknown) =>
  server.request(method, path, { operator: true, body });

const PRICING = {
  currency: 'USD',
  poolUnitPrice: '0.10',
  usageUnitPrice: '0.15',
  overageUnitPrice: '0.20',
  paymentTermsDays: 30,
  taxRate: '0.00',
};

const PROFILE = {
  legalName: 'Acme Agency GmbH',
  billingEmail: 'billing@acme-agency.example',
  address: { line1: 'Hauptstraße 1', city: 'Berlin', postalCode: '10115', country: 'DE' },
  taxId: 'DE123456789',
};

describe('a partner’s pricing', () => {
  it('is set whole and read back with the digits it was given', async () => {
    const { partner } = await server.createPartner({ poolCredits: 1000 });
    const path = `/operator/partners/${partner.id}/pricing`;
    expect((await operator('GET', path)).body).toEqual({ pricing: null });

    const set = await operator('PUT', path, PRICING);
    expect(set.status).toBe(200);
    expect(set.body.pricing).toEqual({ ...PRICING, updatedAt: expect.any(String) });
    expect((await operator('GET', path)).body).toEqual(set.body);

    // Left out: not billed; the terms and the tax rate take their defaults.
    const minimal = await operator('PUT', path, { currency: 'JPY', usageUnitPrice: '2' });
    expect(minimal.body.pricing).toMatchObject({
      currency: 'JPY',
      poolUnitPrice: null,
      usageUnitPrice: '2',
      overageUnitPrice: null,
      paymentTermsDays: 30,
      taxRate: '0',
    });
    // Unit prices may be finer than the minor unit.
    const fine = await operator('PUT', path, { ...PRICING, usageUnitPrice: '0.0125' });
    expect(fine.body.pricing.usageUnitPrice).toBe('0.0125');
  });

  it('refuses what is not money, changing nothing', async () => {
    const { partner } = await server.createPartner({ poolCredits: 1000 });
    const path = `/operator/partners/${partner.id}/pricing`;
    await operator('PUT', path, PRICING);
    for (const bad of [
      { currency: 'XYZ' },
      { currency: 'usd' },
      { currency: 'XAU' },
      { poolUnitPrice: 0.1 },
      { poolUnitPrice: '-1' },
      { poolUnitPrice: '1e3' },
      { poolUnitPrice: '0.12345678901' },
      { taxRate: '1.5' },
      { taxRate: '-0.1' },
      { paymentTermsDays: 20 },
      { discount: '0.1' },
    ]) {
      const response = await operator('PUT', path, { ...PRICING, ...bad });
      expect(response.status, JSON.stringify(bad)).toBe(400);
      expect(response.body.error.code).toBe('invalid_request');
    }
    expect((await operator('GET', path)).body.pricing).toMatchObject(PRICING);
  });

  it('belongs to the operator: a partner key cannot read or set it; an unknown partner is a 404', async () => {
    const { partner, apiKey } = await server.createPartner({ poolCredits: 1000 });
    const path = `/operator/partners/${partner.id}/pricing`;
    expect((await server.request('GET', path, { apiKey })).status).toBe(401);
    expect((await server.request('PUT', path, { apiKey, body: PRICING })).status).toBe(401);
    const unknown = '/operator/partners/01953f2a-6c4e-7d10-8a3b-2f9c1d7e4a10/pricing';
    expect((await operator('GET', unknown)).status).toBe(404);
    expect((await operator('PUT', unknown, PRICING)).status).toBe(404);
  });
});

describe('a partner’s billing profile', () => {
  it('is set whole and read back, optional fields as null', async () => {
    const { partner } = await server.createPartner({ poolCredits: 1000 });
    const path = `/operator/partners/${partner.id}/billing-profile`;
    expect((await operator('GET', path)).body).toEqual({ billingProfile: null });
    const set = await operator('PUT', path, PROFILE);
    expect(set.status).toBe(200);
    expect(set.body.billingProfile).toEqual({
      ...PROFILE,
      address: { ...PROFILE.address, line2: null, region: null },
      updatedAt: expect.any(String),
    });
    const moved = await operator('PUT', path, {
      ...PROFILE,
      address: { line1: '1 Main St', city: 'Austin', region: 'TX', country: 'US' },
      taxId: null,
    });
    expect(moved.body.billingProfile).toMatchObject({
      address: { line1: '1 Main St', region: 'TX', postalCode: null, country: 'US' },
      taxId: null,
    });
    expect((await operator('GET', path)).body).toEqual(moved.body);
  });

  it('refuses an address or email that is not one', async () => {
    const { partner } = await server.createPartner({ poolCredits: 1000 });
    const path = `/operator/partners/${partner.id}/billing-profile`;
    for (const bad of [
      { billingEmail: 'not an email' },
      { legalName: '  ' },
      { address: { ...PROFILE.address, country: 'Germany' } },
      { address: { line1: 'Main 1', country: 'DE' } },
    ]) {
      const response = await operator('PUT', path, { ...PROFILE, ...bad });
      expect(response.status, JSON.stringify(bad)).toBe(400);
    }
    expect((await operator('GET', path)).body).toEqual({ billingProfile: null });
  });
});

describe('monetary credit types', () => {
  it('name a currency: one credit is one minor unit', async () => {
    const created = await operator('POST', '/operator/credit-types', {
      key: 'usd',
      name: 'US dollar credit',
      unit: 'cent',
      currency: 'USD',
    });
    expect(created.status).toBe(201);
    expect(created.body.creditType).toMatchObject({ key: 'usd', unit: 'cent', currency: 'USD' });
    const list = await operator('GET', '/operator/credit-types');
    const byKey = Object.fromEntries(
      list.body.creditTypes.map((t: { key: string; currency: string | null }) => [t.key, t]),
    );
    expect(byKey.usd.currency).toBe('USD');
    expect(byKey.identification.currency).toBeNull();

    const unknown = await operator('POST', '/operator/credit-types', {
      key: 'doubloon',
      name: 'Doubloon',
      unit: 'piece',
      currency: 'DBL',
    });
    expect(unknown.status).toBe(400);
  });
});
