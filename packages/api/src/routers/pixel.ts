import {
  allowedReferrersSchema,
  organizationIdInput,
  pixelConfigSchema,
  updatePixelInput,
} from '@allot/domain';
import { once } from '../services/idempotency.ts';
import { getPixelConfig, setAllowedReferrers } from '../services/pixel.ts';
import { partnerProcedure, router } from '../trpc.ts';

export const pixelRouter = router({
  get: partnerProcedure
    .input(organizationIdInput)
    .output(pixelConfigSchema)
    .query(({ ctx, input }) =>
      getPixelConfig(ctx.db, ctx.partnerId, input.organizationId, ctx.publicUrl),
    ),

  update: partnerProcedure
    .input(updatePixelInput)
    .output(allowedReferrersSchema)
    .mutation(({ ctx, input, path }) =>
      once(ctx, path, input, (trx) =>
        setAllowedReferrers(
          trx,
          ctx.partnerId,
          input.organizationId,
          input.allowedReferrers,
          ctx.clock(),
        ),
      ),
    ),
});
