import { services, type IdentityResolver } from '@allot/api';
import type { Db } from '@allot/db';
import { INGEST_BODY_LIMIT, ingestEventSchema, isText, type IngestEvent } from '@allot/domain';
import { errorBody } from '@allot/rest';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { matches, negotiated, uncompressed, type Precompressed } from './precompressed.ts';
import { clientAddress } from './client-address.ts';

export interface PixelOptions {
  db: Db;
  clock: () => Date;
  identity: IdentityResolver;
  /** The minified embed script (`@allot/pixel`), precompressed. */
  script: () => Promise<Precompressed>;
  rateLimitPerKey: number;
  rateLimitPerIp: number;
}

/** Browsers recheck within minutes, so disabling an organization stops its pixel soon. */
const SCRIPT_MAX_AGE_SECONDS = 300;

/** What an unknown or inactive key gets: nothing, which no compression makes smaller. */
const EMPTY_SCRIPT = uncompressed('');

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
  // One writer per server: its batches group the events that arrive together.
  const writer = services.createEventWriter(options.db);
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
    // The script is compressed once when built, never per request.
    { config: { rateLimit: false }, compress: false },
    async (request, reply) => {
      const key = typeof request.query.key === 'string' ? request.query.key : '';
      // An unknown, suspended or canceled key gets an empty script: the host page is unaffected.
      // A key that is not text (a NUL) is no key, and never reaches the database.
      const active = key !== '' && isText(key) && (await services.pixelKeyActive(options.db, key));
      const script = active
        ? negotiated(await options.script(), request.headers['accept-encoding'])
        : EMPTY_SCRIPT;
      reply
        .header('content-type', 'text/javascript; charset=utf-8')
        .header('cache-control', `public, max-age=${SCRIPT_MAX_AGE_SECONDS}`)
        .header('etag', script.etag)
        .header('vary', 'Accept-Encoding')
        .header('x-content-type-options', 'nosniff');
      if (script.encoding !== 'identity') reply.header('content-encoding', script.encoding);
      if (matches(request.headers['if-none-match'], script.etag)) return reply.code(304).send();
      return reply.send(script.body);
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
        writer,
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
