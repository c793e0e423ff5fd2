import type { AppRouter } from '@allot/api';
import { createTRPCClient, httpBatchLink } from '@trpc/client';

export interface AllotClientOptions {
  /** The deployment's base URL, e.g. `https://allot.example.com`. */
  url: string;
  /** A partner API key (`allot_sk_...`). */
  apiKey?: string;
  /** The operator token, for the `operator.*` procedures. */
  operatorToken?: string;
  /** Extra headers per request, e.g. `{ 'Idempotency-Key': ... }` for a retried mutation. */
  headers?: () => Record<string, string>;
  fetch?: typeof fetch;
}

/**
 * A fully typed client for the Allot API: every procedure, input and output checked by the
 * TypeScript compiler against the server's router. Calls in the same tick share one request.
 */
export function createAllotClient(options: AllotClientOptions) {
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${options.url.replace(/\/$/, '')}/trpc`,
        ...(options.fetch ? { fetch: options.fetch } : {}),
        headers: () => ({
          ...(options.apiKey ? { 'x-partner-api-key': options.apiKey } : {}),
          ...(options.operatorToken ? { authorization: `Bearer ${options.operatorToken}` } : {}),
          ...options.headers?.(),
        }),
      }),
    ],
  });
}

export type AllotClient = ReturnType<typeof createAllotClient>;
export type { AppRouter };
export { TRPCClientError } from '@trpc/client';
