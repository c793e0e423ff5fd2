import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Paths the server answers itself: the app never shadows them, even for a browser. */
const SERVER_PATHS = ['/api', '/trpc', '/docs', '/script.js', '/collect', '/health'];

const isServerPath = (path: string) =>
  SERVER_PATHS.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));

/**
 * The app's pages allow only their own scripts and styles, send no referrer, and refuse to be
 * framed (no clickjacking of the admin's buttons). Images may also come over https: the Branding
 * screen previews the partner's logo from the address it gives; an image runs no script.
 */
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  // index.html names the hashed assets of the current build: always ask again.
  'cache-control': 'no-cache',
};

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Allot</title></head>
<body><main><h1>The admin app is not built</h1>
<p>Run <code>pnpm --filter @allot/admin build</code> (<code>npm start</code> does it for you), then reload.</p>
</main></body></html>`;

/**
 * Serves the built admin app (apps/admin/dist) at `/`: its hashed assets as static files cached
 * for good, and index.html for every other page a browser asks for, so the app's own addresses
 * (`/organizations/...`) load it too. Anything under the server's own paths, and any request
 * that does not ask for HTML, falls through to the JSON 404.
 */
export async function registerAdminApp(app: FastifyInstance, dir: string | undefined) {
  const built = dir !== undefined && existsSync(join(dir, 'index.html'));
  if (built) {
    await app.register(fastifyStatic, {
      root: join(dir, 'assets'),
      prefix: '/assets/',
      // Swagger UI registers its own copy of the plugin; this one adds nothing to the reply.
      decorateReply: false,
      wildcard: false,
      index: false,
      immutable: true,
      maxAge: '365d',
      // The build writes .br and .gz beside each text asset; the browser gets what it accepts,
      // and caches are told the answer depends on it.
      preCompressed: true,
      setHeaders: (response) => {
        response.setHeader('vary', 'Accept-Encoding');
      },
    });
  }
  const page = built ? readFileSync(join(dir, 'index.html')) : Buffer.from(NOT_BUILT);

  const sendPage = (reply: FastifyReply) =>
    reply
      .code(built ? 200 : 503)
      .headers(PAGE_HEADERS)
      .type('text/html; charset=utf-8')
      .send(page);

  app.get('/', (_request, reply) => sendPage(reply));

  return {
    /** Whether a request that matched no route is a browser asking for one of the app's pages. */
    isPage(request: FastifyRequest) {
      const path = request.url.split('?')[0] ?? '/';
      const accept = request.headers.accept ?? '';
      return (
        (request.method === 'GET' || request.method === 'HEAD') &&
        !isServerPath(path) &&
        accept.includes('text/html')
      );
    },
    sendPage,
  };
}
