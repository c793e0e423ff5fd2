import { services, type IdentityResolver } from '@allot/api';
import type { Db } from '@allot/db';
import { INGEST_BODY_LIMIT, ingestEventSchema, type IngestEvent } from '@allot/domain';
import { errorBody } from '@allot/rest';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { clientAddress } from './client-address.ts';

export interface PixelOptions {
  db: Db;
  clock: () => Date;
  identity: IdentityResolver;
  /** The minified embed script (`@allot/pixel`). */
  script: () => Promise<string>;
  rateLimitPerKey: number;
  rateLimitPerIp: number;
}

/** Browsers recheck within minutes, so disabling an organization stops its pixel soon. */
const SCRIPT_MAX_AGE_SECONDS = 300;

const etagOf = (body: string) =>
  `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;

/** The page an event came from: its Origin header, else the origin of its Referer. */
function originOf(request: FastifyRequest): string | null {
  const origin = request.headers.origin;
  if (typeof origin === 'string' && origin !== 'null') return origin;
  const referer = request.headers.referer;
  if (typeof referer !== 'string') return null;
  try {
    return new URL(referer).origin;
  } catch {
    return null;
  }
}

function parseEvent(body: unknown) {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return null;
    }
  }
  return ingestEventSchema.safeParse(value);
}

/** An allow-listed caller is never limited; anyone else once past the window's maximum. */
const exceeded = (limit: { isAllowed: true } | { isAllowed: false; isExceeded: boolean }) =>
  !limit.isAllowed && limit.isExceeded;

const refusals = {
  unknown_key: { status: 404, message: 'No pixel has this key' },
  organization_inactive: { status: 422, message: "The organization's pixel is disabled" },
  referrer_not_allowed: {
    status: 422,
    message: "This page's origin is not among the organization's allowed referrers",
  },
  rate_limited: { status: 429, message: 'Too many events for this pixel' },
} as const;

/** `GET /script.js` (the embed script) and `POST /collect` (its events). */
export function registerPixelRoutes(app: FastifyInstance, options: PixelOptions) {
  const events = new WeakMap<FastifyRequest, IngestEvent>();
  const perIp = app.createRateLimit({
    max: options.rateLimitPerIp,
    timeWindow: 60_000,
    keyGenerator: (request) => `pixel-ip:${clientAddress(request.ip)}`,
  });
  const perKey = app.createRateLimit({
    max: options.rateLimitPerKey,
    timeWindow: 60_000,
    keyGenerator: (request) => `pixel:${events.get(request)?.k ?? ''}`,
  });

  app.get<{ Querystring: { key?: string } }>(
    '/script.js',
    { config: { rateLimit: false } },
    async (request, reply) => {
      const key = typeof request.query.key === 'string' ? request.query.key : '';
      // An unknown, suspended or canceled key gets an empty script: the host page is unaffected.
      const active = key !== '' && (await services.pixelKeyActive(options.db, key));
      const body = active ? await options.script() : '';
      const etag = etagOf(body);
      reply
        .header('content-type', 'text/javascript; charset=utf-8')
        .header('cache-control', `public, max-age=${SCRIPT_MAX_AGE_SECONDS}`)
        .header('etag', etag)
        .header('x-content-type-options', 'nosniff');
      if (request.headers['if-none-match'] === etag) return reply.code(304).send();
      return reply.send(body);
    },
  );

  app.post(
    '/collect',
    { bodyLimit: INGEST_BODY_LIMIT, config: { rateLimit: false } },
    async (request, reply) => {
      // The pixel never reads the answer, but a readable one keeps the host page's console clean.
      reply.header('access-control-allow-origin', '*');
      if (exceeded(await perIp(request)))
        return reply.code(429).send(errorBody('rate_limited', 'Too many events from this address'));

      const parsed = parseEvent(request.body);
      if (!parsed) return reply.code(400).send(errorBody('invalid_request', 'Body is not JSON'));
      if (!parsed.success)
        return reply
          .code(400)
          .send(errorBody('invalid_request', 'Invalid event', parsed.error.issues));
      events.set(request, parsed.data);

      const userAgent = request.headers['user-agent'];
      const outcome = await services.ingestEvent(
        options.db,
        options.identity,
        parsed.data,
        {
          ip: request.ip,
          userAgent: typeof userAgent === 'string' ? userAgent : null,
          origin: originOf(request),
        },
        options.clock(),
        // Only an event that would be accepted uses up its key's budget; a refused one has
        // already counted against the sender's address.
        async () => !exceeded(await perKey(request)),
      );
      if (outcome.accepted) return reply.code(202).send({ accepted: true });
      const refusal = refusals[outcome.reason];
      return reply.code(refusal.status).send(errorBody(outcome.reason, refusal.message));
    },
  );
}
