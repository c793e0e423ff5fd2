import { apiKeyIdInput, apiKeyListSchema, createdApiKeySchema } from '@allot/domain';
import { createApiKey, listApiKeys, revokeApiKey } from '../services/api-keys.ts';
import { idempotent } from '../idempotent.ts';
import { adminProcedure, router } from '../trpc.ts';

/** The partner's own API keys, managed by its admins in the admin app. */
export const apiKeysRouter = router({
  list: adminProcedure
    .output(apiKeyListSchema)
    .query(({ ctx }) => listApiKeys(ctx.db, ctx.partnerId)),

  /** The key's plaintext is in this response only. */
  create: adminProcedure
    .output(createdApiKeySchema)
    .mutation(
      idempotent(({ ctx }) => createApiKey(ctx.db, ctx.partnerId), { secretField: 'apiKey' }),
    ),

  revoke: adminProcedure
    .input(apiKeyIdInput)
    .mutation(
      idempotent(({ ctx, input }) => revokeApiKey(ctx.db, ctx.partnerId, input.keyId, ctx.clock())),
    ),
});
