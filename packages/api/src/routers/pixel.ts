import {
  allowedReferrersSchema,
  organizationIdInput,
  pixelConfigSchema,
  updatePixelInput,
} from '@allot/domain';
import { getPixelConfig, setAllowedReferrers } from '../services/pixel.ts';
import { idempotent } from '../idempotent.ts';
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
