import { billingRoutes } from './routes/billing.ts';
import { creditsRoutes } from './routes/credits.ts';
import { operatorRoutes } from './routes/operator.ts';
import { organizationsRoutes } from './routes/organizations.ts';
import { pixelRoutes } from './routes/pixel.ts';
import type { Method, RestRoute } from './routes/route.ts';
import { visitorsRoutes } from './routes/visitors.ts';
import { webhooksRoutes } from './routes/webhooks.ts';

export { TAGS, type Method, type RestRoute, type Tag } from './routes/route.ts';

/**
 * Every REST route, one file per tag under ./routes, in the order the reference docs list them.
 * Each names the procedure it calls and restates its input and output schemas;
 * route-table.test.ts holds every one to the procedure's own.
 */
export const routes: RestRoute[] = [
  ...organizationsRoutes,
  ...creditsRoutes,
  ...pixelRoutes,
  ...visitorsRoutes,
  ...billingRoutes,
  ...webhooksRoutes,
  ...operatorRoutes,
];

/** Path parameter names of a Fastify-style path. */
export const pathParams = (path: string) =>
  [...path.matchAll(/:(\w+)/g)].map((match) => match[1] as string);

/** Where the non-path part of the input comes from. */
export const inputLocation = (method: Method) =>
  method === 'GET' || method === 'DELETE' ? 'query' : 'body';
