import { initTRPC } from '@trpc/server';
import { ZodError } from 'zod';
import type { Context } from './context.ts';
import type { Meta } from './rest-meta.ts';
import { isDatabaseUnavailable } from '@allot/db';
import { AppError } from '@allot/domain';
import { databaseUnavailable, forbidden, rateLimited, unauthorized } from './errors.ts';
import { appCodeOf, detailsOf, toTRPCError } from './trpc-errors.ts';
import { authenticatePartner } from './services/api-keys.ts';
import { authenticateSession, csrfMatches } from './services/sessions.ts';
import { forgetAll, forgetPartner, keyCachesOf } from './services/key-caches.ts';
import { sameHash, sha256 } from './crypto.ts';

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    errorFormatter({ shape, error, ctx }) {
      return {
        ...shape,
        data: {
          ...shape.data,
          // The same id as the response's X-Request-Id header and the server's log line.
          requestId: ctx?.requestId,
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

/**
 * Every procedure: what a service or middleware refused with (an `AppError`) fails with the
 * tRPC code of its kind, and a request that met a dead or unreachable database fails as a 503
 * `database_unavailable` (retry it, with its Idempotency-Key), never as a 500. tRPC has wrapped
 * anything thrown below as an INTERNAL_SERVER_ERROR whose cause is what was thrown.
 */
const procedure = t.procedure.use(async ({ next }) => {
  const result = await next();
  if (result.ok) return result;
  const { error } = result;
  if (error.code !== 'INTERNAL_SERVER_ERROR') return result;
  if (error.cause instanceof AppError) throw toTRPCError(error.cause);
  if (isDatabaseUnavailable(error)) throw toTRPCError(databaseUnavailable(error.cause));
  return result;
});

/**
 * Counts this call against the principal it authenticated as, or (`null`) against the client
 * address: every call of a batch is counted, and no unverified credential gets a bucket of its
 * own. Past the limit the call is refused with a 429.
 */
async function charge(ctx: Context, principal: string | null) {
  if (!ctx.chargeCall) return;
  const verdict = await ctx.chargeCall(principal);
  if (!verdict.allowed) throw rateLimited(verdict);
}

/** Refuses a call whose credentials did not verify, after counting it against its address. */
async function refuse(ctx: Context, message: string): Promise<never> {
  await charge(ctx, null);
  throw unauthorized(message);
}

/** Anyone may call it; each call counts against the caller's address. */
export const publicProcedure = procedure.use(async ({ ctx, next }) => {
  await charge(ctx, null);
  return next();
});

/** Who is acting for the partner: one of its systems (an API key) or one of its people. */
export type Actor =
  | { kind: 'api_key' }
  | { kind: 'user'; userId: string; sessionId: string; role: 'admin' | 'member' };

/**
 * Authenticates the partner's API key or, without one, a signed-in user's session cookie, and
 * narrows the context to that partner. A change made through a session must carry the session's
 * CSRF token in `x-allot-csrf`: the cookie travels with any request the browser makes, the
 * header only with the admin app's own.
 */
export const partnerProcedure = procedure
  .meta({ auth: 'partner' })
  .use(async ({ ctx, next, type }) => {
    const { apiKey, sessionToken } = ctx.credentials;
    if (apiKey) {
      const key = await authenticatePartner(ctx.db, apiKey, ctx.clock());
      if (!key) return refuse(ctx, 'Invalid or revoked API key');
      await charge(ctx, `api-key:${key.keyId}`);
      const { partnerId } = key;
      const actor = { kind: 'api_key' } as Actor;
      return next({ ctx: { partnerId, actor, idempotencyScope: `partner:${partnerId}` } });
    }
    if (sessionToken) {
      const session = await authenticateSession(ctx.db, sessionToken, ctx.clock());
      if (!session) return refuse(ctx, 'Your session has ended; sign in again');
      await charge(ctx, `user:${session.userId}`);
      if (type !== 'query' && !csrfMatches(sessionToken, ctx.credentials.csrfToken))
        throw forbidden('csrf_token_invalid', 'Missing or wrong x-allot-csrf header');
      const actor = {
        kind: 'user',
        userId: session.userId,
        sessionId: session.sessionId,
        role: session.role,
      } as Actor;
      const { partnerId } = session;
      return next({ ctx: { partnerId, actor, idempotencyScope: `partner:${partnerId}` } });
    }
    return refuse(ctx, 'Missing X-Partner-API-Key');
  })
  // Once a change of the partner's has committed, this server forgets what it held of the partner:
  // the partner's next request here must see the change, and may arrive before the notification
  // that tells every server.
  .use(async ({ ctx, next, type }) => {
    const result = await next();
    const caches = keyCachesOf(ctx.db);
    if (type === 'mutation' && caches) forgetPartner(caches, ctx.partnerId);
    return result;
  });

/** One of the partner's people, signed in: reading the team is for them, not for API keys. */
export const userProcedure = partnerProcedure.use(({ ctx, next }) => {
  if (ctx.actor.kind !== 'user') throw forbidden('user_only', 'Only a signed-in user may do this');
  return next({ ctx: { actor: ctx.actor } });
});

/**
 * A signed-in admin of the partner: managing people and API keys is theirs alone. An API key
 * cannot mint keys or users, so a leaked key cannot entrench itself.
 */
export const adminProcedure = partnerProcedure.use(({ ctx, next }) => {
  if (ctx.actor.kind !== 'user' || ctx.actor.role !== 'admin')
    throw forbidden('admin_only', 'Only a signed-in admin may do this');
  return next({ ctx: { actor: ctx.actor } });
});

/** The platform operator: a bearer token compared in constant time. */
export const operatorProcedure = procedure
  .meta({ auth: 'operator' })
  .use(async ({ ctx, next, type }) => {
    const { operatorToken } = ctx.credentials;
    if (!operatorToken) return refuse(ctx, 'Missing operator bearer token');
    if (!ctx.operatorTokenHash || !sameHash(sha256(operatorToken), ctx.operatorTokenHash))
      return refuse(ctx, 'Invalid operator token');
    await charge(ctx, 'operator');
    const result = await next({ ctx: { idempotencyScope: 'operator' } });
    // The operator's changes may touch any partner (a revoked key): as for a partner's, above.
    const caches = keyCachesOf(ctx.db);
    if (type === 'mutation' && caches) forgetAll(caches);
    return result;
  });
