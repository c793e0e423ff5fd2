/**
 * The organizations API reference's example bodies, completed so each is a whole, valid body:
 * the reference abbreviates responses and writes `"uuid"` for ids. The OpenAPI test validates
 * every example against the schema it illustrates.
 */

const ORGANIZATION_ID = '01953f2a-6c4e-7d10-8a3b-2f9c1d7e4a10';

/** Acme Corp as the reference shows it, with the fields it leaves out. */
function organization(fields: Record<string, unknown> = {}) {
  const credits = (fields.credits as number | undefined) ?? 1000;
  return {
    id: ORGANIZATION_ID,
    name: 'Acme Corp',
    externalId: 'acme-123',
    ownerUserId: null,
    status: 'active',
    tier: 'paid',
    credits,
    creditsUsed: 0,
    creditsRemaining: credits,
    creditAllowance: credits,
    billingPeriod: 'monthly',
    billingDayOfMonth: 1,
    currentPeriod: { start: '2025-02-01T00:00:00Z', end: '2025-03-01T00:00:00Z' },
    productType: 'B2B',
    identificationCap: { perPeriod: null, perDay: null },
    anomalyThreshold: 50,
    metadata: {},
    partnerMetadata: { externalId: 'acme-123' },
    createdAt: '2025-01-15T10:00:00Z',
    updatedAt: '2025-02-27T09:00:00Z',
    ...fields,
  };
}

const referrers = ['https://acme.com', 'https://app.acme.com', 'https://*.acme.com'];

const pricing = {
  currency: 'USD',
  poolUnitPrice: '0.10',
  usageUnitPrice: '0.15',
  overageUnitPrice: '0.20',
  paymentTermsDays: 30,
  taxRate: '0.00',
};

export const examples = {
  'operator.partners.setPricing': {
    request: pricing,
    response: { pricing: { ...pricing, updatedAt: '2025-02-27T10:30:00Z' } },
  },
  'organizations.list': {
    response: { organizations: [organization()], total: 42, page: 1, pageSize: 20 },
  },
  'organizations.create': {
    request: {
      name: 'Acme Corp',
      externalId: 'acme-123',
      ownerUserId: 'user-uuid',
      initialCredits: 500,
      metadata: { source: 'signup' },
      tier: 'trial',
      billingPeriod: 'monthly',
      billingDayOfMonth: 1,
      productType: 'B2B',
    },
    response: {
      organization: organization({
        ownerUserId: 'user-uuid',
        tier: 'trial',
        credits: 500,
        metadata: { source: 'signup' },
        createdAt: '2025-02-27T10:30:00Z',
        updatedAt: '2025-02-27T10:30:00Z',
      }),
    },
  },
  'organizations.get': { response: { organization: organization() } },
  'organizations.update': {
    request: { name: 'Acme Corporation', metadata: { plan: 'enterprise' }, credits: 1500 },
    response: {
      organization: organization({
        name: 'Acme Corporation',
        metadata: { plan: 'enterprise' },
        credits: 1500,
        creditsRemaining: 1500,
        creditAllowance: 1000,
      }),
    },
  },
  'organizations.setStatus': {
    request: { enabled: true },
    response: { organization: organization() },
  },
  'organizations.setTier': {
    request: { tier: 'paid' },
    response: { organization: organization() },
  },
  'organizations.setBilling': {
    request: {
      billingPeriod: 'monthly',
      billingDayOfMonth: 15,
      creditAllowance: 2000,
      identificationCap: { perDay: 200 },
    },
    response: {
      organization: organization({
        billingDayOfMonth: 15,
        creditAllowance: 2000,
        identificationCap: { perPeriod: null, perDay: 200 },
        currentPeriod: { start: '2025-02-15T00:00:00Z', end: '2025-03-15T00:00:00Z' },
      }),
    },
  },
  'pixel.get': {
    response: {
      apiKey: 'pixel-api-key',
      allowedReferrers: ['https://acme.com', 'https://*.acme.com'],
      scriptTag:
        '<script src="https://track.example.com/script.js?key=pixel-api-key" data-key="pixel-api-key" defer></script>',
      lastEventAt: '2025-02-27T10:00:00Z',
    },
  },
  'pixel.update': {
    request: { allowedReferrers: referrers },
    response: { allowedReferrers: referrers },
  },
  'visitors.list': {
    response: {
      visitorsCount: 150,
      currentPage: 1,
      totalPageCount: 8,
      visitorStatistics: [
        {
          visitorId: '01953f2b-0a91-7e22-9c4d-5b8e3f6a7c21',
          email: 'john@acme.com',
          emailSource: 'identity',
          firstName: 'John',
          lastName: 'Doe',
          companyName: 'Acme Inc',
          companyDomain: 'acme.com',
          industry: 'Software',
          employeeCount: 250,
          country: 'US',
          identified: true,
          identityId: '01953f2b-0a90-7c11-8d3e-4a7d2e5f6b10',
          icpMatch: { matched: true, profiles: ['Mid-market software'] },
          pageViews: 12,
          sessions: 3,
          engagedSeconds: 420,
          firstSeenAt: '2025-02-20T08:15:00Z',
          lastSeenAt: '2025-02-27T10:00:00Z',
          topPages: [
            { path: '/pricing', views: 5 },
            { path: '/', views: 4 },
          ],
        },
      ],
    },
  },
} satisfies Record<string, { request?: unknown; response?: unknown }>;
