import {
  REST_TAGS,
  appRouter,
  type Caller,
  type Meta,
  type RestAuth,
  type RestMeta,
  type RestMethod,
  type RestTag,
} from '@allot/api';
import type { z } from 'zod';

export { REST_TAGS as TAGS, type RestMethod as Method, type RestTag as Tag };

/**
 * One REST endpoint, derived from the procedure it serves: the REST metadata on the procedure,
 * plus the procedure's own input and output schemas.
 */
export interface RestRoute extends Omit<RestMeta, 'status'> {
  /** The procedure's path in the app router, e.g. `credits.grants.list`. */
  operationId: string;
  auth: RestAuth;
  status: NonNullable<RestMeta['status']>;
  /** The procedure's input object; absent when it takes none. */
  input?: z.ZodObject;
  /** The success body; absent for 204 and CSV. */
  output?: z.ZodType;
}

/** What tRPC keeps of a procedure at run time; its public types leave the parsers out. */
interface ProcedureDef {
  type: 'query' | 'mutation' | 'subscription';
  meta?: Meta;
  inputs: z.ZodType[];
  output?: z.ZodType;
}

/** The schema inside `.prefault()`, `.default()` or `.optional()`: REST always sends an input. */
function unwrapped(schema: z.ZodType): z.ZodType {
  const { def } = schema as unknown as { def: { type: string; innerType?: z.ZodType } };
  return ['prefault', 'default', 'optional'].includes(def.type) && def.innerType
    ? unwrapped(def.innerType)
    : schema;
}

function inputOf(operationId: string, inputs: z.ZodType[]): z.ZodObject | undefined {
  if (inputs.length > 1) throw new Error(`${operationId} chains inputs; REST takes one object`);
  const [input] = inputs;
  if (!input) return undefined;
  const object = unwrapped(input);
  if (object.def.type !== 'object') throw new Error(`The input of ${operationId} is no object`);
  return object as z.ZodObject;
}

function routeOf(operationId: string, def: ProcedureDef, rest: RestMeta): RestRoute {
  if (!def.meta?.auth) throw new Error(`${operationId} is served over REST without auth`);
  const status = rest.status ?? 200;
  const input = inputOf(operationId, def.inputs);
  const file = rest.format === 'csv' || rest.format === 'pdf';
  const output = status === 204 || file ? undefined : def.output;
  return {
    ...rest,
    operationId,
    auth: def.meta.auth,
    status,
    ...(input ? { input } : {}),
    ...(output ? { output } : {}),
  };
}

const tagOrder = Object.keys(REST_TAGS);

/**
 * Every procedure with REST metadata, grouped by tag in the order the reference docs list the
 * tags, and within a tag in the order the app router defines them.
 */
export const routes: RestRoute[] = Object.entries(
  appRouter._def.procedures as unknown as Record<string, { _def: ProcedureDef }>,
)
  .flatMap(([operationId, { _def }]) =>
    _def.meta?.rest ? [routeOf(operationId, _def, _def.meta.rest)] : [],
  )
  .sort((a, b) => tagOrder.indexOf(a.tag) - tagOrder.indexOf(b.tag));

/** Calls the route's procedure through a caller, which applies the same auth and validation as /trpc. */
export function callRoute(caller: Caller, route: RestRoute, input: unknown): Promise<unknown> {
  const procedure = route.operationId
    .split('.')
    .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], caller);
  return (procedure as (input: unknown) => Promise<unknown>)(input);
}

/** Path parameter names of a Fastify-style path. */
export const pathParams = (path: string) =>
  [...path.matchAll(/:(\w+)/g)].map((match) => match[1] as string);

/** Where the non-path part of the input comes from. */
export const inputLocation = (method: RestMethod) =>
  method === 'GET' || method === 'DELETE' ? 'query' : 'body';
