import { initTRPC } from '@trpc/server';
import { ZodError } from 'zod';
import type { Context } from './context.ts';
import { appCodeOf, detailsOf, unauthorized } from './errors.ts';
import { authenticatePartner } from './services/api-keys.ts';
import { sameHash, sha256 } from './crypto.ts';

const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error }) {
    return {
      ...shape,
      data: {
        ...shape.data,
        // Never expose a stack outside development tooling.
        stack: undefined,
        appCode: appCodeOf(error),
        details: detailsOf(error),
        zodIssues: error.cause instanceof ZodError ? error.cause.issues : undefined,
      },
    };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure;

/** Authenticates the partner API key and narrows the context to that partner. */
export const partnerProcedure = t.procedure.use(async ({ ctx, next }) => {
  const { apiKey } = ctx.credentials;
  if (!apiKey) throw unauthorized('Missing X-Partner-API-Key');
  const partnerId = await authenticatePartner(ctx.db, apiKey, ctx.clock());
  if (!partnerId) throw unauthorized('Invalid or revoked API key');
  return next({ ctx: { partnerId, idempotencyScope: `partner:${partnerId}` } });
});

/** The platform operator: a bearer token compared in constant time. */
export const operatorProcedure = t.procedure.use(({ ctx, next }) => {
  const { operatorToken } = ctx.credentials;
  if (!operatorToken) throw unauthorized('Missing operator bearer token');
  if (!ctx.operatorTokenHash || !sameHash(sha256(operatorToken), ctx.operatorTokenHash)) {
    throw unauthorized('Invalid operator token');
  }
  return next({ ctx: { idempotencyScope: 'operator' } });
});
