import {
  allowedReferrersSchema,
  organizationIdInput,
  pixelConfigSchema,
  updatePixelInput,
} from '@allot/domain';
import { getPixelConfig, setAllowedReferrers } from '../services/pixel.ts';
import { idempotent } from '../idempotent.ts';
import { examples } from '../rest-examples.ts';
import { partnerProcedure, router } from '../trpc.ts';

export const pixelRouter = router({
  get: partnerProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/partner/organizations/:organizationId/pixel',
        tag: 'Pixel',
        summary: 'Retrieve the tracking pixel configuration',
        description:
          "The organization's public pixel key, its allowed referrer origins and the script tag to paste into the client's site.",
        examples: examples['pixel.get'],
      },
    })
    .input(organizationIdInput)
    .output(pixelConfigSchema)
    .query(({ ctx, input }) =>
      getPixelConfig(ctx.db, ctx.partnerId, input.organizationId, ctx.publicUrl),
    ),

  update: partnerProcedure
    .meta({
      rest: {
        method: 'PUT',
        path: '/partner/organizations/:organizationId/pixel',
        tag: 'Pixel',
        summary: 'Replace the allowed referrer origins',
        description:
          'Replaces the origins the pixel works on. `https://*.acme.com` matches subdomains of acme.com, never `https://acme.com.evil.io`.',
        examples: examples['pixel.update'],
      },
    })
    .input(updatePixelInput)
    .output(allowedReferrersSchema)
    .mutation(
      idempotent(({ ctx, input }) =>
        setAllowedReferrers(
          ctx.db,
          ctx.partnerId,
          input.organizationId,
          input.allowedReferrers,
          ctx.clock(),
        ),
      ),
    ),
});
