import { appRouter, type Caller } from '@allot/api';
import { defined } from '@allot/domain';
import { describe, expect, it } from 'vitest';
import { routes } from './route-table.ts';

/**
 * The route table restates each procedure's schemas for the REST adapter and the OpenAPI document.
 * These checks keep it from drifting: every route calls the procedure its operationId names, and
 * its input and output schemas are that procedure's own objects, not copies.
 */

interface ProcedureDef {
  inputs: unknown[];
  output?: unknown;
  type: 'query' | 'mutation';
}

const procedures = appRouter._def.procedures as unknown as Record<string, { _def: ProcedureDef }>;

/** The schema inside `.prefault()`, `.default()` or `.optional()`. */
function unwrapped(schema: unknown): unknown {
  const def = (schema as { def?: { type?: string; innerType?: unknown } }).def;
  return def && ['prefault', 'default', 'optional'].includes(def.type ?? '') && def.innerType
    ? unwrapped(def.innerType)
    : schema;
}

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

describe.each(routes.map((route) => [`${route.method} ${route.path}`, route] as const))(
  '%s',
  (_name, route) => {
    const procedure = procedures[route.operationId];

    it('names a procedure that exists', () => {
      expect(procedure, route.operationId).toBeDefined();
    });

    it('calls the procedure its operationId names, once', async () => {
      const calls: string[] = [];
      await route.call(recordingCaller(calls), {} as never);
      expect(calls).toEqual([route.operationId]);
    });

    it("takes the procedure's own input schema", () => {
      // A procedure callable without input wraps its schema (`.prefault({})`); REST always sends one.
      const inputs = defined(procedure, route.operationId)._def.inputs.map(unwrapped);
      if (route.input) expect(inputs).toContain(route.input);
      else expect(inputs).toEqual([]);
    });

    it("answers with the procedure's own output schema", () => {
      if (route.output) expect(procedure?._def.output).toBe(route.output);
    });

    it('reads with GET what the procedure reads, and changes with other methods', () => {
      expect(procedure?._def.type).toBe(route.method === 'GET' ? 'query' : 'mutation');
    });
  },
);
