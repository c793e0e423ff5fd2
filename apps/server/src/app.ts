import {
  appRouter,
  createCaller,
  createContextFactory,
  createNoIdentityResolver,
  credentialsFromHeaders,
  DATABASE_RETRY_AFTER_SECONDS,
  SESSION_COOKIE,
  type Clock,
  type LoginThrottleOptions,
  type SessionCookie,
  type IdentityResolver,
} from '@allot/api';
import { isDatabaseUnavailable, type Db } from '@allot/db';
import { buildPixel } from '@allot/pixel/build';
import {
  errorBody,
  registerRest,
  REPLAYED_HEADER,
  REQUEST_ID_HEADER,
  requestIdFor,
  retryHeadersOf,
  traceRequests,
} from '@allot/rest';
import compress from '@fastify/compress';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { fastifyTRPCPlugin, type FastifyTRPCPluginOptions } from '@trpc/server/adapters/fastify';
import Fastify, {
  type FastifyError,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import { sql } from 'kysely';
import { registerAdminApp } from './admin-app.ts';
import { clientAddress } from './client-address.ts';
import { answerClientError } from './client-errors.ts';
import { keepKeyCaches } from './key-caches.ts';
import { collectMethods } from './method-not-allowed.ts';
import { registerPixelRoutes } from './pixel-routes.ts';
import { precompress, type Precompressed } from './precompressed.ts';
import { FixedWindowStore } from './rate-limit-store.ts';
import { registerRequestLimits } from './request-limits.ts';
import { VERSION } from './version.ts';

export interface ServerOptions {
  db: Db;
  /**
   * The database's connection string, for the key caches' LISTEN connection (`key-caches.ts`).
   * Without it nothing is cached: every pixel key and API key is looked up in the database. The
   * caches hang on `db`, so two servers in one process need a database handle each.
   */
  databaseUrl?: string;
  publicUrl: string;
  operatorToken: string | null;
  clock?: Clock;
  logger?: FastifyServerOptions['logger'];
  /**
   * Calls per minute per caller: per API key, signed-in user or the operator once their
   * credentials verified; per client address (IPv6 by /64) for everything else.
   */
  rateLimitPerMinute?: number;
  /** Proxies whose X-Forwarded-For gives the client IP (Fastify's `trustProxy`); none by default. */
  trustProxy?: string[] | false;
  /** Who is behind a visitor's IP; by default nobody is known, so no visit is identified. */
  identity?: IdentityResolver;
  /** Accepted pixel events per minute per pixel key; any events per client address. */
  pixelRateLimitPerKey?: number;
  pixelRateLimitPerIp?: number;
  /** `ALLOT_ALLOW_HTTP_WEBHOOKS`: webhook URLs may be http to localhost, or private addresses. */
  allowHttpWebhooks?: boolean;
  /** Failed sign-ins allowed per email and per address in a window. */
  loginThrottle?: LoginThrottleOptions;
  /** The built admin app (apps/admin/dist) to serve at `/`; without it `/` says how to build it. */
  adminDir?: string;
}

/**
 * The session cookie: HttpOnly (no script reads it), SameSite=Lax (no cross-site request but a
 * top-level navigation carries it), Secure when the deployment is reached over https.
 */
function sessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  publicUrl: string,
): SessionCookie {
  const secure = request.protocol === 'https' || publicUrl.startsWith('https:');
  const attributes = `Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
  return {
    set: (token, maxAgeSeconds) =>
      void reply.header(
        'set-cookie',
        `${SESSION_COOKIE}=${token}; Max-Age=${maxAgeSeconds}; ${attributes}`,
      ),
    clear: () => void reply.header('set-cookie', `${SESSION_COOKIE}=; Max-Age=0; ${attributes}`),
  };
}

/** Bytes below which a response goes out as is. */
export const COMPRESS_THRESHOLD = 1024;

let built: Promise<Precompressed> | undefined;
/** The embed script, minified and compressed once per process on first request. */
function pixelScript(): Promise<Precompressed> {
  built ??= buildPixel().then(precompress, (error: unknown) => {
    built = undefined;
    throw error;
  });
  return built;
}

const statusCodes: Record<number, string> = {
  400: 'invalid_request',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

/** The composition root: tRPC, REST, docs and health on one Fastify instance. */
export async function buildServer(options: ServerOptions) {
  const app = Fastify({
    logger: options.logger ?? false,
    // tRPC batches put every procedure name in the path.
    routerOptions: { maxParamLength: 5000 },
    bodyLimit: 1024 * 1024,
    trustProxy: options.trustProxy ?? false,
    // The id is the log line's `reqId` and the response's X-Request-Id.
    genReqId: requestIdFor,
    clientErrorHandler: answerClientError,
    // A path that does not decode (`%ZZ`, the bytes of a lone surrogate) gets the one error shape.
    // It is answered before any hook runs, so it names the request itself.
    frameworkErrors: (error, request, reply: FastifyReply) => {
      void reply
        .code(400)
        .header(REQUEST_ID_HEADER, request.id)
        .send({
          error: { code: 'invalid_request', message: error.message, requestId: request.id },
        });
    },
  });
  traceRequests(app);
  if (options.databaseUrl) {
    const keyCaches = keepKeyCaches(options.db, options.databaseUrl);
    app.addHook('onClose', keyCaches.close);
  }
  const answerMethodNotAllowed = collectMethods(app);
  const contextFor = createContextFactory({
    db: options.db,
    publicUrl: options.publicUrl,
    operatorToken: options.operatorToken,
    ...(options.clock ? { clock: options.clock } : {}),
    allowHttpWebhooks: options.allowHttpWebhooks ?? false,
    ...(options.loginThrottle ? { loginThrottle: options.loginThrottle } : {}),
  });

  // An empty JSON body (a DELETE sent with Content-Type: application/json) is no body, not an error.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') return done(null, undefined);
    void parseJson(request, body as string, done);
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status =
      error.statusCode && error.statusCode >= 400 && error.statusCode < 500
        ? error.statusCode
        : 500;
    if (status === 500 && isDatabaseUnavailable(error)) {
      // The pixel, the script and /health call services directly: the same 503 as the APIs.
      return reply
        .code(503)
        .header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS))
        .send(errorBody('database_unavailable', 'The database is unavailable; retry shortly'));
    }
    if (status === 500) {
      request.log.error({ err: error }, 'request failed');
      return reply.code(500).send(errorBody('internal_error', 'Something went wrong on our side'));
    }
    return reply
      .code(status)
      .send(errorBody(statusCodes[status] ?? 'invalid_request', error.message));
  });
  // Responses above 1 KB (the OpenAPI document, lists, CSV exports as they stream) go out with
  // brotli or gzip, as the client accepts; smaller ones are not worth the bytes of the framing.
  // The admin app's assets and the pixel's script come compressed from their builds. Before the
  // admin app's static files, so its hook sees them; request bodies are never decompressed.
  await app.register(compress, {
    global: true,
    threshold: COMPRESS_THRESHOLD,
    encodings: ['br', 'gzip'],
    globalDecompression: false,
  });
  const admin = await registerAdminApp(app, options.adminDir);
  app.setNotFoundHandler((request, reply) => {
    // The admin app's own addresses (/organizations/...) are pages of the app.
    if (admin.isPage(request)) return admin.sendPage(reply);
    return reply
      .code(404)
      .send(errorBody('not_found', `No route ${request.method} ${request.url.split('?')[0]}`));
  });

  // The plugin's limiters only: each request is counted by `registerRequestLimits`.
  await app.register(rateLimit, {
    global: false,
    store: FixedWindowStore,
  });
  const chargeFor = registerRequestLimits(app, options.rateLimitPerMinute ?? 3000);

  registerPixelRoutes(app, {
    db: options.db,
    clock: options.clock ?? (() => new Date()),
    identity: options.identity ?? createNoIdentityResolver(),
    script: pixelScript,
    rateLimitPerKey: options.pixelRateLimitPerKey ?? 6000,
    rateLimitPerIp: options.pixelRateLimitPerIp ?? 300,
  });

  await app.register(fastifyTRPCPlugin, {
    prefix: '/trpc',
    trpcOptions: {
      router: appRouter,
      createContext: ({ req, res }) =>
        contextFor(
          { ...credentialsFromHeaders(req.headers), ip: clientAddress(req.ip) },
          sessionCookie(req, res, options.publicUrl),
          { requestId: req.id, response: {}, chargeCall: chargeFor(req) },
        ),
      // A call refused past its rate limit, or for a database outage, says when to retry, as on
      // REST. A batch shares one context, so only a single call's replay can be told apart.
      responseMeta: ({ ctx, paths, errors }) => {
        const retry = errors.map(retryHeadersOf).find((found) => found !== undefined);
        if (retry) return { headers: retry };
        return paths?.length === 1 && ctx?.response?.replayed
          ? { headers: { [REPLAYED_HEADER]: 'true' } }
          : {};
      },
      onError: ({ error, path, req }) => {
        // The request's own logger, so the line carries its reqId.
        if (error.code === 'INTERNAL_SERVER_ERROR')
          req.log.error({ err: error, path }, 'tRPC procedure failed');
      },
    } satisfies FastifyTRPCPluginOptions<typeof appRouter>['trpcOptions'],
  });

  const document = registerRest(app, {
    callerFor: (credentials, request, trace) =>
      createCaller(
        contextFor(credentials, undefined, { ...trace, chargeCall: chargeFor(request) }),
      ),
    publicUrl: options.publicUrl,
    version: VERSION,
  });
  await app.register(swagger, { mode: 'static', specification: { document: document as never } });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.get('/health', async () => {
    await sql`SELECT 1`.execute(options.db);
    return { status: 'ok', version: VERSION };
  });
  answerMethodNotAllowed();

  return app;
}
