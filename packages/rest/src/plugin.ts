import {
  credentialsFromHeaders,
  type Caller,
  type Credentials,
  type RequestTrace,
  type ResponseMeta,
} from '@allot/api';
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { errorBody, toHttpError } from './errors.ts';
import { openApiDocument } from './openapi.ts';
import { REPLAYED_HEADER } from './request-id.ts';
import { callRoute, inputLocation, pathParams, routes, type RestRoute } from './route-table.ts';

export interface RestOptions {
  /** A caller for the credentials of one request (the request, for its rate limit); `trace` carries its id and response meta. */
  callerFor: (credentials: Credentials, request: FastifyRequest, trace: RequestTrace) => Caller;
  /** Where clients reach the API, for the OpenAPI `servers` entry. */
  publicUrl: string;
  version: string;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Query strings are text; numeric fields are converted so the shared schemas can stay strict. */
function coerceQuery(schema: z.ZodObject | undefined, query: Record<string, unknown>) {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(query)) {
    let field = schema?.shape[key] as z.ZodType | undefined;
    while (
      field &&
      (field.def.type === 'optional' ||
        field.def.type === 'default' ||
        field.def.type === 'nullable')
    ) {
      field = (field.def as unknown as { innerType: z.ZodType }).innerType;
    }
    out[key] =
      field?.def.type === 'number' && typeof value === 'string' && /^-?\d+$/.test(value)
        ? Number(value)
        : value;
  }
  return out;
}

/**
 * The query parameters a route reads: its input's fields that are not path parameters, on GET
 * and DELETE; none on POST and PUT (their input is the body). Any other parameter is refused
 * with a 400 on every route, so a typo (`?limit=` for `pageSize`) is never silently ignored.
 */
function queryCheck(route: RestRoute) {
  const fromPath = new Set(pathParams(route.path));
  const names =
    route.input && inputLocation(route.method) === 'query'
      ? Object.keys(route.input.shape).filter((name) => !fromPath.has(name))
      : [];
  return z.strictObject(Object.fromEntries(names.map((name) => [name, z.unknown().optional()])));
}

function unknownQuery(check: z.ZodObject, query: unknown) {
  const result = check.safeParse(query);
  if (result.success) return null;
  const names = result.error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys' ? issue.keys : [],
  );
  return errorBody(
    'invalid_request',
    `Unknown query parameter${names.length === 1 ? '' : 's'}: ${names.join(', ')}`,
    result.error.issues,
  );
}

class BadBody extends Error {}

function assembleInput(route: RestRoute, request: FastifyRequest) {
  if (!route.input) return undefined;
  const params = Object.fromEntries(
    pathParams(route.path).map((name) => [name, (request.params as Record<string, string>)[name]]),
  );
  if (inputLocation(route.method) === 'query') {
    return { ...coerceQuery(route.input, request.query as Record<string, unknown>), ...params };
  }
  const body = request.body ?? {};
  if (!isPlainObject(body)) throw new BadBody('The request body must be a JSON object');
  return { ...body, ...params };
}

const FILE_TYPES = { csv: 'text/csv; charset=utf-8', pdf: 'application/pdf' } as const;

/**
 * Streams a file's chunks. The first chunk is awaited before the headers go out, so a refusal
 * (an unknown organization) is still a JSON error; after that the stream is pulled as the
 * client reads.
 */
async function sendFile(
  reply: FastifyReply,
  format: keyof typeof FILE_TYPES,
  filename: string,
  chunks: AsyncIterable<string | Uint8Array>,
) {
  const iterator = chunks[Symbol.asyncIterator]();
  const first = await iterator.next();
  async function* rest() {
    if (!first.done) yield first.value;
    for (let next = await iterator.next(); !next.done; next = await iterator.next())
      yield next.value;
  }
  return reply
    .type(FILE_TYPES[format])
    .header('content-disposition', `attachment; filename="${filename}"`)
    .send(Readable.from(rest()));
}

/** Registers every route of the table under /api/v1, plus the OpenAPI document. */
export function registerRest(app: FastifyInstance, options: RestOptions) {
  const document = openApiDocument({
    serverUrl: `${options.publicUrl.replace(/\/$/, '')}/api/v1`,
    version: options.version,
  });
  app.get('/api/v1/openapi.json', () => document);

  for (const route of routes) {
    const query = queryCheck(route);
    app.route({
      method: route.method,
      url: `/api/v1${route.path}`,
      handler: async (request: FastifyRequest, reply: FastifyReply) => {
        const unknown = unknownQuery(query, request.query);
        if (unknown) return reply.code(400).send(unknown);
        let input: unknown;
        try {
          input = assembleInput(route, request);
        } catch (error) {
          if (error instanceof BadBody)
            return reply.code(400).send(errorBody('invalid_request', error.message));
          throw error;
        }
        const credentials = credentialsFromHeaders(request.headers);
        // The REST API is for partners' systems, with their API key. A browser's session cookie
        // is accepted on reads only (the admin app's CSV downloads are plain links); a change
        // over REST never rides on a cookie, so no CSRF check is needed here.
        if (route.method !== 'GET') credentials.sessionToken = undefined;
        const response: ResponseMeta = {};
        const caller = options.callerFor(credentials, request, { requestId: request.id, response });
        try {
          const output = await callRoute(caller, route, input);
          if (response.replayed) reply.header(REPLAYED_HEADER, 'true');
          if (route.format === 'csv' || route.format === 'pdf')
            return await sendFile(
              reply,
              route.format,
              route.filename ?? `download.${route.format}`,
              output as AsyncIterable<string | Uint8Array>,
            );
          return route.status === 204
            ? reply.code(204).send()
            : reply.code(route.status).send(output);
        } catch (error) {
          const { status, body, headers } = toHttpError(error);
          if (status >= 500) request.log.error({ err: error }, 'procedure failed');
          if (headers) reply.headers(headers);
          return reply.code(status).send(body);
        }
      },
    });
  }
  return document;
}
