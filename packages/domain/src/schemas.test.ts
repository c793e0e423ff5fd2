import { describe, expect, it } from 'vitest';
import { MAX_CREDITS, creditsSchema } from './common.ts';
import {
  createOrganizationInput,
  listOrganizationsInput,
  metadataSchema,
  setOrganizationBillingInput,
  updateOrganizationInput,
} from './organizations.ts';
import { createPartnerInput } from './partners.ts';
import { scriptTag } from './pixel.ts';
import { listVisitorsInput } from './visitors.ts';

const ORG_ID = '0b6f3d2e-8c1a-4f5b-9d7e-2a3b4c5d6e7f';

describe('creditsSchema', () => {
  it.each([0, 1, 500, MAX_CREDITS])('accepts %d', (value) => {
    expect(creditsSchema.parse(value)).toBe(value);
  });

  it.each([-1, 1.5, 0.1, MAX_CREDITS + 1, Number.NaN, Number.POSITIVE_INFINITY, '10'])(
    'rejects %j',
    (value) => {
      expect(creditsSchema.safeParse(value).success).toBe(false);
    },
  );
});

describe('createOrganizationInput', () => {
  it('accepts a minimal organization and trims the name', () => {
    expect(createOrganizationInput.parse({ name: '  Acme  ' })).toEqual({ name: 'Acme' });
  });

  it('accepts a full organization and normalises the billing period alias', () => {
    expect(
      createOrganizationInput.parse({
        name: 'Acme',
        externalId: 'ext-1',
        ownerUserId: null,
        initialCredits: MAX_CREDITS,
        creditAllowance: 0,
        metadata: { plan: 'gold', seats: 3, beta: true, note: null },
        tier: 'trial',
        billingPeriod: 'annual',
        billingDayOfMonth: 28,
        productType: 'B2B',
      }),
    ).toEqual({
      name: 'Acme',
      externalId: 'ext-1',
      ownerUserId: null,
      initialCredits: MAX_CREDITS,
      creditAllowance: 0,
      metadata: { plan: 'gold', seats: 3, beta: true, note: null },
      tier: 'trial',
      billingPeriod: 'annually',
      billingDayOfMonth: 28,
      productType: 'B2B',
    });
  });

  it.each([
    ['an unknown key', { name: 'Acme', credits: 10 }],
    ['a missing name', {}],
    ['a blank name', { name: '   ' }],
    ['a 201-character name', { name: 'a'.repeat(201) }],
    ['negative credits', { name: 'Acme', initialCredits: -1 }],
    ['non-integer credits', { name: 'Acme', initialCredits: 10.5 }],
    ['credits above MAX_CREDITS', { name: 'Acme', initialCredits: MAX_CREDITS + 1 }],
    ['credits as a string', { name: 'Acme', initialCredits: '10' }],
    ['a negative allowance', { name: 'Acme', creditAllowance: -5 }],
    ['a non-integer allowance', { name: 'Acme', creditAllowance: 0.5 }],
    ['an allowance above MAX_CREDITS', { name: 'Acme', creditAllowance: MAX_CREDITS + 1 }],
    ['billing day 29', { name: 'Acme', billingDayOfMonth: 29 }],
    ['billing day 0', { name: 'Acme', billingDayOfMonth: 0 }],
    ['a weekly billing period', { name: 'Acme', billingPeriod: 'weekly' }],
    ['an unknown tier', { name: 'Acme', tier: 'enterprise' }],
    ['an unknown product type', { name: 'Acme', productType: 'B2G' }],
    ['a blank external id', { name: 'Acme', externalId: '  ' }],
  ])('rejects %s', (_label, input) => {
    expect(createOrganizationInput.safeParse(input).success).toBe(false);
  });
});

describe('updateOrganizationInput and setOrganizationBillingInput', () => {
  it('update requires a UUID and rejects unknown keys', () => {
    expect(updateOrganizationInput.parse({ organizationId: ORG_ID, externalId: null })).toEqual({
      organizationId: ORG_ID,
      externalId: null,
    });
    expect(updateOrganizationInput.safeParse({ organizationId: 'org-1' }).success).toBe(false);
    expect(
      updateOrganizationInput.safeParse({ organizationId: ORG_ID, tier: 'paid' }).success,
    ).toBe(false);
    expect(
      updateOrganizationInput.safeParse({ organizationId: ORG_ID, credits: MAX_CREDITS + 1 })
        .success,
    ).toBe(false);
  });

  it('billing accepts the annual alias and rejects billing day 29', () => {
    expect(
      setOrganizationBillingInput.parse({ organizationId: ORG_ID, billingPeriod: 'annual' }),
    ).toEqual({ organizationId: ORG_ID, billingPeriod: 'annually' });
    expect(
      setOrganizationBillingInput.safeParse({ organizationId: ORG_ID, billingDayOfMonth: 29 })
        .success,
    ).toBe(false);
  });
});

describe('listOrganizationsInput', () => {
  it('defaults page to 1 and pageSize to 20', () => {
    expect(listOrganizationsInput.parse({})).toEqual({ page: 1, pageSize: 20, sort: '-createdAt' });
  });

  it('keeps the given values and trims search', () => {
    expect(
      listOrganizationsInput.parse({ page: 3, pageSize: 100, search: '  acme ', status: 'active' }),
    ).toEqual({
      page: 3,
      pageSize: 100,
      search: 'acme',
      status: 'active',
      sort: '-createdAt',
    });
    expect(listOrganizationsInput.parse({ pageSize: 1 }).pageSize).toBe(1);
  });

  it.each([
    ['pageSize 0', { pageSize: 0 }],
    ['pageSize 101', { pageSize: 101 }],
    ['pageSize 2.5', { pageSize: 2.5 }],
    ['page 0', { page: 0 }],
    ['page -1', { page: -1 }],
    ['page 1_000_001', { page: 1_000_001 }],
    ['page as a string', { page: '2' }],
    ['an unknown status', { status: 'deleted' }],
    ['an unknown key', { order: 'name' }],
    ['an unknown sort', { sort: 'credits' }],
    ['a 201-character search', { search: 'a'.repeat(201) }],
  ])('rejects %s', (_label, input) => {
    expect(listOrganizationsInput.safeParse(input).success).toBe(false);
  });
});

describe('listVisitorsInput', () => {
  it('defaults page to 1 and limit to 20, and bounds limit like pageSize', () => {
    expect(listVisitorsInput.parse({ organizationId: ORG_ID })).toEqual({
      organizationId: ORG_ID,
      page: 1,
      limit: 20,
    });
    expect(listVisitorsInput.safeParse({ organizationId: ORG_ID, limit: 0 }).success).toBe(false);
    expect(listVisitorsInput.safeParse({ organizationId: ORG_ID, limit: 101 }).success).toBe(false);
  });
});

describe('metadataSchema', () => {
  const keys = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));

  it('accepts flat scalar values and exactly 50 keys', () => {
    const flat = { s: 'x', n: 1.5, b: false, z: null };
    expect(metadataSchema.parse(flat)).toEqual(flat);
    expect(Object.keys(metadataSchema.parse(keys(50)))).toHaveLength(50);
    expect(metadataSchema.parse({})).toEqual({});
  });

  it.each([
    ['51 keys', keys(51)],
    ['a nested object', { address: { city: 'Paris' } }],
    ['an array value', { tags: ['a', 'b'] }],
    ['an undefined value', { a: undefined }],
    ['an empty key', { '': 'x' }],
    ['a 65-character key', { ['k'.repeat(65)]: 'x' }],
    ['a 1001-character string value', { note: 'x'.repeat(1001) }],
    ['an array', ['a']],
    ['null', null],
  ])('rejects %s', (_label, input) => {
    expect(metadataSchema.safeParse(input).success).toBe(false);
  });

  it('accepts a 64-character key and a 1000-character value', () => {
    const value = { ['k'.repeat(64)]: 'x'.repeat(1000) };
    expect(metadataSchema.parse(value)).toEqual(value);
  });
});

describe('createPartnerInput', () => {
  it('defaults the billing day to 1 and the pool to 0, and maps annual to annually', () => {
    expect(
      createPartnerInput.parse({ name: 'P', billingMode: 'credit_pool', billingPeriod: 'annual' }),
    ).toEqual({
      name: 'P',
      billingMode: 'credit_pool',
      billingPeriod: 'annually',
      billingDayOfMonth: 1,
      poolCredits: 0,
    });
  });

  it.each([
    ['an unknown billing mode', { name: 'P', billingMode: 'prepaid', billingPeriod: 'monthly' }],
    ['a missing billing period', { name: 'P', billingMode: 'external' }],
    ['weekly', { name: 'P', billingMode: 'external', billingPeriod: 'weekly' }],
    [
      'negative pool credits',
      { name: 'P', billingMode: 'credit_pool', billingPeriod: 'monthly', poolCredits: -1 },
    ],
  ])('rejects %s', (_label, input) => {
    expect(createPartnerInput.safeParse(input).success).toBe(false);
  });
});

describe('scriptTag', () => {
  it('drops one trailing slash from the public URL and URL-encodes the key in src', () => {
    expect(scriptTag('https://px.allot.io/', 'pk_a+b/c')).toBe(
      '<script src="https://px.allot.io/script.js?key=pk_a%2Bb%2Fc" data-key="pk_a+b/c" defer></script>',
    );
    expect(scriptTag('https://px.allot.io', 'pk_1')).toBe(
      '<script src="https://px.allot.io/script.js?key=pk_1" data-key="pk_1" defer></script>',
    );
  });
});
