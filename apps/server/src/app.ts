import {
  appRouter,
  createCaller,
  createContextFactory,
  createNoIdentityResolver,
  credentialsFromHeaders,
  SESSION_COOKIE,
  type Clock,
  type LoginThrottleOptions,
  type SessionCookie,
  type IdentityResolver,
} from '@allot/api';
import type { Db } from '@allot/db';
import { buildPixel } from '@allot/pixel/build';
import { errorBody, registerRest, REPLAYED_HEADER, requestIdFor, traceRequests } from '@allot/rest';
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
import { createHash } from 'node:crypto';
import { registerAdminApp } from './admin-app.ts';
import { collectMethods } from './method-not-allowed.ts';
import { registerPixelRoutes } from './pixel-routes.ts';

export interface ServerOptions {
  db: Db;
  publicUrl: string;
  operatorToken: string | null;
  clock?: Clock;
  logger?: FastifyServerOptions['logger'];
  /** Requests per minute per caller (API key, operator, or IP without credentials). */
  rateLimitPerMinute?: number;
  /** Proxies whose X-Forwarded-For gives the client IP (Fastify's `trustProxy`); none by default. */
  trustProxy?: string[] | false;
  /** Who is behind a visitor's IP; by default nobody is known, so no visit is identified. */
  identity?: IdentityResolver;
  /** Pixel events per minute per pixel key and per client IP. */
  pixelRateLimitPerKey?: number;
  pixelRateLimitPerIp?: number;
  /** `ALLOT_ALLOW_HTTP_WEBHOOKS`: webhook URLs may be http to localhost, or private addresses. */
  allowHttpWebhooks?: boolean;
  /** Failed sign-ins allowed per email and per address in a window. */
  loginThrottle?: LoginThrottleOptions;
  /** The built admin app (apps/admin/dist) to serve at `/`; without it `/` says how to build it. */
  adminDir?: string;
}

/** Who a request counts against: its API key (hashed, never kept in plaintext), the operator, or its IP. */
function rateLimitKey(request: {
  headers: Record<string, string | string[] | undefined>;
  ip: string;
}) {
  const apiKey = request.headers['x-partner-api-key'];
  if (typeof apiKey === 'string')
    return `key:${createHash('sha256').update(apiKey).digest('hex').slice(0, 32)}`;
  if (typeof request.headers.authorization === 'string') return 'operator';
  return `ip:${request.ip}`;
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

export const VERSION = '0.1.0';

let built: Promise<string> | undefined;
/** The embed script, minified once per process on first request. */
function pixelScript(): Promise<string> {
  built ??= buildPixel().catch((error: unknown) => {
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
  });
  traceRequests(app);
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
    if (status === 500) {
      request.log.error({ err: error }, 'request failed');
      return reply.code(500).send(errorBody('internal_error', 'Something went wrong on our side'));
    }
    return reply
      .code(status)
      .send(errorBody(statusCodes[status] ?? 'invalid_request', error.message));
  });
  const admin = await registerAdminApp(app, options.adminDir);
  app.setNotFoundHandler((request, reply) => {
    // The admin app's own addresses (/organizations/...) are pages of the app.
    if (admin.isPage(request)) return admin.sendPage(reply);
    return reply
      .code(404)
      .send(errorBody('not_found', `No route ${request.method} ${request.url.split('?')[0]}`));
  });

  await app.register(rateLimit, {
    max: options.rateLimitPerMinute ?? 3000,
    timeWindow: 60_000,
    keyGenerator: rateLimitKey,
    allowList: (request) => request.url === '/health',
    errorResponseBuilder: (_request, context) =>
      Object.assign(
        new Error(
          `Rate limit of ${context.max} requests per minute exceeded; retry in ${context.after}`,
        ),
        {
          statusCode: 429,
        },
      ),
  });

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
          { ...credentialsFromHeaders(req.headers), ip: req.ip },
          sessionCookie(req, res, options.publicUrl),
          { requestId: req.id, response: {} },
        ),
      // A batch shares one context, so only a single call's replay can be told apart.
      responseMeta: ({ ctx, paths }) =>
        paths?.length === 1 && ctx?.response?.replayed
          ? { headers: { [REPLAYED_HEADER]: 'true' } }
          : {},
      onError: ({ error, path, req }) => {
        // The request's own logger, so the line carries its reqId.
        if (error.code === 'INTERNAL_SERVER_ERROR')
          req.log.error({ err: error, path }, 'tRPC procedure failed');
      },
    } satisfies FastifyTRPCPluginOptions<typeof appRouter>['trpcOptions'],
  });

  const document = registerRest(app, {
    callerFor: (credentials, trace) => createCaller(contextFor(credentials, undefined, trace)),
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
