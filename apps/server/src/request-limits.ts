import type { ChargeCall, RateVerdict } from '@allot/api';
import { errorBody, rateLimitHeaders } from '@allot/rest';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { clientAddress } from './client-address.ts';

const WINDOW_MS = 60_000;

/**
 * Routes whose work is done by procedures: each call is counted where its caller is known (see
 * `charge` in `@allot/api`'s trpc.ts), so the request itself is not counted on arrival.
 */
function servedByProcedures(request: FastifyRequest): boolean {
  const route = request.routeOptions.url;
  if (route === undefined) return false;
  if (route.startsWith('/trpc/')) return true;
  return route.startsWith('/api/v1/') && route !== '/api/v1/openapi.json';
}

function sendLimited(reply: FastifyReply, verdict: RateVerdict) {
  return reply
    .code(429)
    .headers(
      rateLimitHeaders({
        limit: verdict.limit,
        remaining: verdict.remaining,
        retryAfterSeconds: verdict.resetSeconds,
      }),
    )
    .send(
      errorBody(
        'rate_limited',
        `Rate limit of ${verdict.limit} requests per minute exceeded; retry in ${verdict.resetSeconds} seconds`,
      ),
    );
}

/**
 * The request rate limit: one `@fastify/rate-limit` limiter and one store, in this process's
 * memory, holding a bucket per client address and one per authenticated principal. A request
 * that no procedure serves (docs, unknown paths) counts against its address on arrival; each
 * procedure call counts once, through the `ChargeCall` its context carries, against the
 * principal it authenticated as or else against its address. A request to a procedure route
 * that reached no procedure (an unknown procedure, a body that does not parse) counts against
 * its address when it is answered, so that path is not free either.
 */
export function registerRequestLimits(app: FastifyInstance, perMinute: number) {
  // The key of the charge being made: `applyRateLimit` reads it synchronously on entry, before
  // its first await, so the calls of one batch never see each other's key.
  const pending = new WeakMap<FastifyRequest, string>();
  const charged = new WeakSet<FastifyRequest>();
  const limiter = app.createRateLimit({
    max: perMinute,
    timeWindow: WINDOW_MS,
    keyGenerator: (request) => pending.get(request) ?? `address:${clientAddress(request.ip)}`,
  });

  async function charge(request: FastifyRequest, principal: string | null): Promise<RateVerdict> {
    charged.add(request);
    pending.set(
      request,
      principal === null ? `address:${clientAddress(request.ip)}` : `principal:${principal}`,
    );
    const result = await limiter(request);
    if (result.isAllowed)
      return { allowed: true, limit: perMinute, remaining: perMinute, resetSeconds: 0 };
    return {
      allowed: !result.isExceeded,
      limit: result.max,
      remaining: result.remaining,
      resetSeconds: result.ttlInSeconds,
    };
  }

  app.addHook('onRequest', async (request, reply) => {
    // Health checks are never limited; the pixel's routes have limits of their own.
    if (request.routeOptions.url === '/health' || request.routeOptions.config.rateLimit === false)
      return;
    if (servedByProcedures(request)) return;
    const verdict = await charge(request, null);
    if (!verdict.allowed) return sendLimited(reply, verdict);
  });
  app.addHook('onResponse', async (request) => {
    if (servedByProcedures(request) && !charged.has(request)) await charge(request, null);
  });

  /** The `ChargeCall` for the procedure calls of one request. */
  return (request: FastifyRequest): ChargeCall =>
    (principal) =>
      charge(request, principal);
}
