import {
  billingProfileEnvelope,
  brandingEnvelope,
  clientPricingEnvelope,
  organizationIdInput,
  organizationPricingEnvelope,
  setBrandingInput,
  setClientPricingInput,
  setOrganizationBillingProfileInput,
  setOrganizationPricingInput,
} from '@allot/domain';
import { idempotent } from '../idempotent.ts';
import {
  getOrganizationBillingProfile,
  setOrganizationBillingProfile,
} from '../services/billing-profiles.ts';
import { getBranding, setBranding } from '../services/branding.ts';
import {
  getClientPricing,
  getOrganizationPricing,
  setClientPricing,
  setOrganizationPricing,
} from '../services/client-pricing.ts';
import { partnerProcedure, router } from '../trpc.ts';

const PRICES =
  'periodFee: per billing period of the organization, in advance at each period start (it covers the allowance). overageUnitPrice: per credit consumed past the allowance, usage_based only, in arrears at each period end. creditUnitPrice: per credit of a purchase (a grant with invoice: true and no costBasis) or an auto top-up without a unitPrice. A price left out is not billed; credits granted free cost nothing. Prices apply to the periods that start after they are first set.';

/** What a partner charges its organizations, who they are billed as, and its brand. */
export const clientBillingRouter = router({
  getPricing: partnerProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/partner/pricing',
        tag: 'Client billing',
        summary: 'Your default prices for your organizations',
        description: `The prices your organizations are invoiced at unless they have their own; null until set. ${PRICES}`,
      },
    })
    .output(clientPricingEnvelope)
    .query(({ ctx }) => getClientPricing(ctx.db, ctx.partnerId)),

  setPricing: partnerProcedure
    .meta({
      rest: {
        method: 'PUT',
        path: '/partner/pricing',
        tag: 'Client billing',
        summary: 'Set your default prices for your organizations',
        description: `Sets the default prices whole. ${PRICES} Issued invoices keep the prices they billed.`,
      },
    })
    .input(setClientPricingInput)
    .output(clientPricingEnvelope)
    .mutation(
      idempotent(({ ctx, input }) => setClientPricing(ctx.db, ctx.partnerId, input, ctx.clock())),
    ),

  getOrganizationPricing: partnerProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/partner/organizations/:organizationId/pricing',
        tag: 'Client billing',
        summary: "An organization's prices",
        description:
          'Its own override (null fields inherit your default) and the prices it is billed at.',
      },
    })
    .input(organizationIdInput)
    .output(organizationPricingEnvelope)
    .query(({ ctx, input }) => getOrganizationPricing(ctx.db, ctx.partnerId, input.organizationId)),

  setOrganizationPricing: partnerProcedure
    .meta({
      rest: {
        method: 'PUT',
        path: '/partner/organizations/:organizationId/pricing',
        tag: 'Client billing',
        summary: "Set an organization's own prices",
        description: `The same body as PUT /partner/pricing; each field null (or left out) inherits your default. An override in another currency inherits no price. ${PRICES}`,
      },
    })
    .input(setOrganizationPricingInput)
    .output(organizationPricingEnvelope)
    .mutation(
      idempotent(({ ctx, input }) =>
        setOrganizationPricing(ctx.db, ctx.partnerId, input, ctx.clock()),
      ),
    ),

  getBillingProfile: partnerProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/partner/organizations/:organizationId/billing-profile',
        tag: 'Client billing',
        summary: "Who an organization's invoices are addressed to",
        description: 'Legal name, billing email, address and tax id; null until set.',
      },
    })
    .input(organizationIdInput)
    .output(billingProfileEnvelope)
    .query(({ ctx, input }) =>
      getOrganizationBillingProfile(ctx.db, ctx.partnerId, input.organizationId),
    ),

  setBillingProfile: partnerProcedure
    .meta({
      rest: {
        method: 'PUT',
        path: '/partner/organizations/:organizationId/billing-profile',
        tag: 'Client billing',
        summary: "Set who an organization's invoices are addressed to",
        description:
          'Sets the billing profile whole. Invoices already issued keep the profile they showed; without one, invoices are addressed to the organization by name.',
      },
    })
    .input(setOrganizationBillingProfileInput)
    .output(billingProfileEnvelope)
    .mutation(
      idempotent(({ ctx, input }) =>
        setOrganizationBillingProfile(ctx.db, ctx.partnerId, input, ctx.clock()),
      ),
    ),

  getBranding: partnerProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/partner/branding',
        tag: 'Client billing',
        summary: 'Your brand on what your clients receive',
        description: 'null until set: invoices then show your name and the prefix INV-.',
      },
    })
    .output(brandingEnvelope)
    .query(({ ctx }) => getBranding(ctx.db, ctx.partnerId)),

  setBranding: partnerProcedure
    .meta({
      rest: {
        method: 'PUT',
        path: '/partner/branding',
        tag: 'Client billing',
        summary: 'Set your brand',
        description:
          'Display name, logo (https), primary color (#rrggbb), invoice prefix (up to 12 of A-Z 0-9 - _ /), support email and footer, on the PDF and the content of every invoice to your organizations. Numbering is yours, gap-free, and goes on across a change of prefix. Issued invoices keep the brand they were issued with.',
      },
    })
    .input(setBrandingInput)
    .output(brandingEnvelope)
    .mutation(
      idempotent(({ ctx, input }) => setBranding(ctx.db, ctx.partnerId, input, ctx.clock())),
    ),
});
