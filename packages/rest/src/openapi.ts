import { EVENT_TYPES, eventEnvelopeSchema } from '@allot/domain';
import { z } from 'zod';
import { REPLAYED_HEADER, REQUEST_ID_HEADER, REQUEST_ID_PATTERN } from './request-id.ts';
import { inputLocation, pathParams, routes, type RestRoute } from './route-table.ts';

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const generated = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  // OpenAPI 3.1 fixes the dialect for the whole document.
  delete generated.$schema;
  return generated;
}

const errorSchema: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'Machine-readable, e.g. `insufficient_pool_credits`' },
        message: { type: 'string' },
        details: { description: 'For 400: the validation issues' },
        requestId: {
          type: 'string',
          description: 'The X-Request-Id of this response: quote it when reporting a problem',
        },
      },
    },
  },
};

const errorResponses: Record<string, string> = {
  '400': 'Invalid input; `details` lists the validation issues',
  '401': 'Missing or invalid credentials',
  '404': 'Not found (or owned by another partner)',
  '409': 'Conflict: a duplicate externalId, or an Idempotency-Key reused with another request',
  '422': 'A business rule refused the request (pool, trial cap, consumption)',
  '429': 'Too many requests from this API key; `Retry-After` says when to retry',
};

const bodyErrorResponses: Record<string, string> = {
  '413': 'The body is larger than 1 MiB',
  '415': 'The body must be JSON (Content-Type: application/json)',
};

const responseHeaders: Record<string, JsonSchema> = {
  [REQUEST_ID_HEADER]: {
    description: 'The request id sent, if it matched the pattern, else one generated for it',
    schema: { type: 'string' },
  },
  [REPLAYED_HEADER]: {
    description: 'Present (`true`) when this is the stored response of an Idempotency-Key retry',
    schema: { type: 'string', enum: ['true'] },
  },
};

const headerRefs = (names: string[]) =>
  Object.fromEntries(names.map((name) => [name, { $ref: `#/components/headers/${name}` }]));

const toOpenApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

function operation(route: RestRoute) {
  const params = pathParams(route.path);
  const shape = (route.input?.shape ?? {}) as Record<string, z.ZodType>;
  const mask = Object.fromEntries(params.map((name) => [name, true as const])) as Record<
    string,
    true
  >;
  const rest = route.input?.omit(mask);
  const parameters: JsonSchema[] = params.map((name) => ({
    name,
    in: 'path',
    required: true,
    schema: jsonSchema(shape[name] as z.ZodType, 'input'),
  }));
  let requestBody: JsonSchema | undefined;
  if (rest && inputLocation(route.method) === 'query') {
    const query = jsonSchema(rest, 'input') as {
      properties?: Record<string, JsonSchema>;
      required?: string[];
    };
    for (const [name, schema] of Object.entries(query.properties ?? {})) {
      parameters.push({
        name,
        in: 'query',
        required: query.required?.includes(name) ?? false,
        ...(schema.description ? { description: schema.description } : {}),
        schema,
      });
    }
  } else if (rest) {
    requestBody = {
      required: true,
      content: { 'application/json': { schema: jsonSchema(rest, 'input') } },
    };
  }
  parameters.push({
    name: REQUEST_ID_HEADER,
    in: 'header',
    required: false,
    description: 'Your id for this request, echoed on the response; another value is replaced',
    schema: { type: 'string', pattern: REQUEST_ID_PATTERN },
  });
  if (route.method !== 'GET') {
    parameters.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description:
        'Retries with the same key and body replay the first response; another body is a 409.',
      schema: { type: 'string', minLength: 1, maxLength: 255 },
    });
  }
  const successBody =
    route.format === 'csv'
      ? {
          description: 'CSV, streamed, with a header row',
          content: { 'text/csv': { schema: { type: 'string' } } },
        }
      : route.output
        ? {
            description: 'OK',
            content: { 'application/json': { schema: jsonSchema(route.output, 'output') } },
          }
        : { description: 'No content' };
  const success = {
    ...successBody,
    headers: headerRefs(
      route.method === 'GET' ? [REQUEST_ID_HEADER] : [REQUEST_ID_HEADER, REPLAYED_HEADER],
    ),
  };
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.tag],
    security: [route.auth === 'partner' ? { partnerApiKey: [] } : { operatorToken: [] }],
    parameters,
    ...(requestBody ? { requestBody } : {}),
    responses: {
      [String(route.status)]: success,
      ...Object.fromEntries(
        Object.entries({ ...errorResponses, ...(requestBody ? bodyErrorResponses : {}) }).map(
          ([status, description]) => [
            status,
            {
              description,
              headers: headerRefs([REQUEST_ID_HEADER]),
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
            },
          ],
        ),
      ),
    },
  };
}

const SIGNATURE_HEADERS = {
  'webhook-id': 'The event id: the same on every retry, so a receiver can drop duplicates',
  'webhook-timestamp': 'Seconds since the epoch when this attempt was signed',
  'webhook-signature': 'v1,<base64 HMAC-SHA256 of `id.timestamp.body` with the endpoint secret>',
};

/** Every event type as an OpenAPI 3.1 webhook: what Allot POSTs to a partner's endpoints. */
function webhooks() {
  return Object.fromEntries(
    EVENT_TYPES.map((type) => [
      type,
      {
        post: {
          operationId: `event.${type}`,
          summary: `The ${type} event (version 1), signed per the Standard Webhooks specification`,
          tags: ['Events'],
          parameters: Object.entries(SIGNATURE_HEADERS).map(([name, description]) => ({
            name,
            in: 'header',
            required: true,
            description,
            schema: { type: 'string' },
          })),
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: jsonSchema(eventEnvelopeSchema(type), 'output') },
            },
          },
          responses: {
            '200': {
              description: 'Any 2xx acknowledges the event; anything else is retried with backoff',
            },
          },
        },
      },
    ]),
  );
}

/** The OpenAPI 3.1 document, generated from the same zod contracts that validate requests. */
export function openApiDocument(options: { serverUrl: string; version: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = toOpenApiPath(route.path);
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation(route) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Allot API',
      version: options.version,
      description:
        'The partner API (`X-Partner-API-Key`) and the operator API (`Authorization: Bearer`). Credits are integers. Every response carries `X-Request-Id`; a method a path lacks answers 405 `method_not_allowed` with `Allow`.',
    },
    servers: [{ url: options.serverUrl }],
    components: {
      securitySchemes: {
        partnerApiKey: { type: 'apiKey', in: 'header', name: 'X-Partner-API-Key' },
        operatorToken: { type: 'http', scheme: 'bearer' },
      },
      schemas: { Error: errorSchema },
      headers: responseHeaders,
    },
    paths,
    webhooks: webhooks(),
  };
}
