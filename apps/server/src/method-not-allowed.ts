import { errorBody } from '@allot/rest';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'] as const;

/**
 * The server's own API: REST, the pixel and health. The plugins' paths (tRPC, which answers
 * every method itself, the docs, the admin app's files) keep their own handling.
 */
const isApiPath = (url: string) =>
  !url.includes('*') &&
  (url.startsWith('/api/') || url === '/collect' || url === '/script.js' || url === '/health');

/**
 * A known path called with a method it lacks is a 405 with `Allow`, not a 404: the caller has
 * the address right and the verb wrong. Routes are collected as they are registered; the call
 * returned here registers the 405s once every route is in.
 */
export function collectMethods(app: FastifyInstance): () => void {
  // Keyed by the path's shape, so `/x/:id` and `/x/:organizationId` are one path to the router.
  const paths = new Map<string, { url: string; methods: Set<string> }>();
  let done = false;
  app.addHook('onRoute', (route) => {
    if (done || !isApiPath(route.url)) return;
    const shape = route.url.replace(/:\w+/g, ':');
    const entry = paths.get(shape) ?? { url: route.url, methods: new Set<string>() };
    for (const method of [route.method].flat()) entry.methods.add(method);
    // Fastify answers HEAD for every GET route on its own.
    if (entry.methods.has('GET')) entry.methods.add('HEAD');
    paths.set(shape, entry);
  });
  return () => {
    done = true;
    for (const { url, methods } of paths.values()) {
      const missing = METHODS.filter((method) => !methods.has(method));
      if (missing.length === 0) continue;
      const allow = METHODS.filter((method) => methods.has(method)).join(', ');
      const refuse = async (request: FastifyRequest, reply: FastifyReply) =>
        reply
          .code(405)
          .header('allow', allow)
          .send(
            errorBody(
              'method_not_allowed',
              `${request.method} is not allowed on ${request.url.split('?')[0]}; use ${allow}`,
            ),
          );
      // Answered before the body is read: a 405 does not depend on what was sent.
      app.route({ method: missing, url, onRequest: refuse, handler: refuse });
    }
  };
}
