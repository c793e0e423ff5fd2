import { z } from 'zod';
import { text } from './text.ts';
import { idSchema, isoDateTimeSchema } from './common.ts';

/** A partner's API key as listed: never the key itself, only its first characters. */
export const apiKeySchema = z.object({
  id: idSchema,
  prefix: text(),
  createdAt: isoDateTimeSchema,
  lastUsedAt: isoDateTimeSchema.nullable(),
  revokedAt: isoDateTimeSchema.nullable(),
});
export type ApiKey = z.infer<typeof apiKeySchema>;

export const apiKeyListSchema = z.object({ apiKeys: z.array(apiKeySchema) });

export const apiKeyIdInput = z.strictObject({ keyId: idSchema });
