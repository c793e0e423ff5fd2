import { initTRPC } from '@trpc/server';
import { ZodError } from 'zod';
import type { Context } from './context.ts';
import { appCodeOf, detailsOf, forbidden, unauthorized } from './errors.ts';
import { authenticatePartner } from './services/api-keys.ts';
import { authenticateSession, csrfMatches } from './services/sessions.ts';
import { sameHash, sha256 } from './crypto.ts';

const t = initTRPC.context<Context>().create({
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
export const publicProcedure = t.procedure;

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
export const partnerProcedure = t.procedure.use(async ({ ctx, next, type }) => {
  const { apiKey, sessionToken } = ctx.credentials;
  if (apiKey) {
    const partnerId = await authenticatePartner(ctx.db, apiKey, ctx.clock());
    if (!partnerId) throw unauthorized('Invalid or revoked API key');
    const actor = { kind: 'api_key' } as Actor;
    return next({ ctx: { partnerId, actor, idempotencyScope: `partner:${partnerId}` } });
  }
  if (sessionToken) {
    const session = await authenticateSession(ctx.db, sessionToken, ctx.clock());
    if (!session) throw unauthorized('Your session has ended; sign in again');
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
  throw unauthorized('Missing X-Partner-API-Key');
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
export const operatorProcedure = t.procedure.use(({ ctx, next }) => {
  const { operatorToken } = ctx.credentials;
  if (!operatorToken) throw unauthorized('Missing operator bearer token');
  if (!ctx.operatorTokenHash || !sameHash(sha256(operatorToken), ctx.operatorTokenHash)) {
    throw unauthorized('Invalid operator token');
  }
  return next({ ctx: { idempotencyScope: 'operator' } });
});
