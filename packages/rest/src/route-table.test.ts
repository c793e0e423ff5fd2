import { appRouter, type Caller } from '@allot/api';
import { describe, expect, it } from 'vitest';
import { callRoute, pathParams, routes } from './route-table.ts';

/**
 * The route table is derived from the procedures' REST metadata and their own schemas; these
 * checks hold the derivation to what the REST adapter and the OpenAPI document rely on.
 */

const procedures = appRouter._def.procedures as unknown as Record<
  string,
  { _def: { type: string; output?: unknown } }
>;

/** The procedures only the admin app calls, over /trpc: people, sessions and dashboard reads. */
const TRPC_ONLY = [
  'apiKeys.create',
  'apiKeys.list',
  'apiKeys.revoke',
  'auth.login',
  'auth.logout',
  'auth.session',
  'billing.daily',
  'billing.lowBalances',
  'users.create',
  'users.disable',
  'users.list',
];

/** A caller that records which procedure a route calls, and calls nothing. */
function recordingCaller(calls: string[]): Caller {
  const at = (path: string[]): unknown =>
    new Proxy(() => {}, {
      get: (_target, key) => at([...path, String(key)]),
      apply: () => {
        calls.push(path.join('.'));
        return Promise.resolve(undefined);
      },
    });
  return at([]) as Caller;
}

describe('the route table', () => {
  it('serves every procedure over REST except those only the admin app calls', () => {
    const served = new Set(routes.map((route) => route.operationId));
    const unserved = Object.keys(procedures).filter((id) => !served.has(id));
    expect(unserved.sort()).toEqual(TRPC_ONLY);
  });

  it('has one route per method and path', () => {
    const keys = routes.map((route) => `${route.method} ${route.path.replace(/:\w+/g, ':')}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe.each(routes.map((route) => [`${route.method} ${route.path}`, route] as const))(
  '%s',
  (_name, route) => {
    const procedure = procedures[route.operationId];

    it('calls the procedure its operationId names, once', async () => {
      const calls: string[] = [];
      await callRoute(recordingCaller(calls), route, {});
      expect(calls).toEqual([route.operationId]);
    });

    it('reads with GET what the procedure reads, and changes with other methods', () => {
      expect(procedure?._def.type).toBe(route.method === 'GET' ? 'query' : 'mutation');
    });

    it('fills each path parameter into an input field of its name', () => {
      const fields = Object.keys(route.input?.shape ?? {});
      for (const name of pathParams(route.path)) expect(fields).toContain(name);
    });

    it('answers a JSON body with an output schema, and no JSON body on 204 or a file', () => {
      const body = route.status !== 204 && route.format !== 'csv' && route.format !== 'pdf';
      expect(route.output !== undefined, route.operationId).toBe(body);
      if (body) expect(route.output).toBe(procedure?._def.output);
    });
  },
);
