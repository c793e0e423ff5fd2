import {
  EVENT_TYPES,
  TEST_EVENT_TYPE,
  eventEnvelopeSchema,
  schemaName,
  type EnvelopeType,
} from '@allot/domain';
import type { z } from 'zod';
import { REQUEST_ID_HEADER, REQUEST_ID_PATTERN } from './request-id.ts';
import {
  errorSchema,
  headerRefs,
  headers,
  inputSchema,
  namedOutputSchemas,
  reachableSchemas,
  schemaRef,
  type HeaderName,
  type JsonSchema,
} from './openapi-components.ts';
import { TAGS, inputLocation, pathParams, routes, type RestRoute } from './route-table.ts';

/** Every response of the REST API carries these. */
const EVERY_RESPONSE: HeaderName[] = ['X-Request-Id'];

/** What a 429 says about the limit it hit. */
const RATE_LIMIT: HeaderName[] = [
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
];

/** Each error status once, under `components.responses`; operations refer to them by name. */
const ERROR_RESPONSES = {
  '400': [
    'BadRequest',
    'Invalid input, or a query parameter the operation does not read; `details` lists the validation issues',
  ],
  '401': ['Unauthorized', 'Missing or invalid credentials'],
  '404': ['NotFound', 'Not found (or owned by another partner)'],
  '409': [
    'Conflict',
    'Conflict: a duplicate externalId, or an Idempotency-Key reused with another request',
  ],
  '422': [
    'UnprocessableEntity',
    'A business rule refused the request (pool, trial cap, consumption)',
  ],
  '429': [
    'TooManyRequests',
    'Too many calls from this API key (or, without verified credentials, from this client address); `Retry-After` says when to retry',
  ],
  '431': [
    'RequestHeaderFieldsTooLarge',
    'The request line and headers are larger than the server accepts (`headers_too_large`)',
  ],
  '503': [
    'ServiceUnavailable',
    'The database is unreachable (`database_unavailable`); retry after `Retry-After` seconds',
  ],
} as const;

/** Only operations with a JSON body can answer these. */
const BODY_ERROR_RESPONSES = {
  '413': ['PayloadTooLarge', 'The body is larger than 1 MiB'],
  '415': ['UnsupportedMediaType', 'The body must be JSON (Content-Type: application/json)'],
} as const;

const RETRY_LATER = new Set(['429', '503']);

function errorResponseComponents() {
  return Object.fromEntries(
    Object.entries({ ...ERROR_RESPONSES, ...BODY_ERROR_RESPONSES }).map(
      ([status, [name, description]]) => [
        name,
        {
          description,
          headers: headerRefs([
            ...EVERY_RESPONSE,
            ...(RETRY_LATER.has(status) ? (['Retry-After'] as const) : []),
            ...(status === '429' ? RATE_LIMIT : []),
          ]),
          content: { 'application/json': { schema: { $ref: schemaRef('Error') } } },
        },
      ],
    ),
  );
}

const toOpenApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

/** The `$ref` of a route's success body: every one is a named contract, so clients get its type. */
function outputRef(operationId: string, output: z.ZodType) {
  const name = schemaName(output);
  if (!name) throw new Error(`The body of ${operationId} has no schema name`);
  return { $ref: schemaRef(name) };
}

const seedExample = (value: unknown) => ({
  examples: { seed: { summary: 'From the API reference', value } },
});

function operation(
  route: RestRoute,
  outputSchemas: Record<string, JsonSchema>,
  inputSchemas: Record<string, JsonSchema>,
) {
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
    schema: inputSchema(shape[name] as z.ZodType, outputSchemas, inputSchemas),
  }));
  let requestBody: JsonSchema | undefined;
  if (rest && inputLocation(route.method) === 'query') {
    const query = inputSchema(rest, outputSchemas, inputSchemas) as {
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
      content: {
        'application/json': {
          schema: inputSchema(rest, outputSchemas, inputSchemas),
          ...(route.examples?.request !== undefined ? seedExample(route.examples.request) : {}),
        },
      },
    };
  }
  parameters.push({
    name: REQUEST_ID_HEADER,
    in: 'header',
    required: false,
    description: 'Your id for this request, echoed on the response; another value is replaced',
    schema: { type: 'string', pattern: REQUEST_ID_PATTERN },
  });
  const idempotent = route.method !== 'GET';
  if (idempotent) {
    parameters.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description:
        'Retries with the same key and body replay the first response; another body is a 409.',
      schema: { type: 'string', minLength: 1, maxLength: 255 },
    });
  }
  const successHeaders = headerRefs([
    ...EVERY_RESPONSE,
    ...(idempotent ? (['Idempotent-Replayed'] as const) : []),
  ]);
  const success =
    route.format === 'csv'
      ? {
          description: 'CSV, streamed, with a header row',
          headers: successHeaders,
          content: { 'text/csv': { schema: { type: 'string' } } },
        }
      : route.format === 'pdf'
        ? {
            description: 'A PDF document, streamed',
            headers: successHeaders,
            content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } },
          }
        : route.output
          ? {
              description: 'OK',
              headers: successHeaders,
              content: {
                'application/json': {
                  schema: outputRef(route.operationId, route.output),
                  ...(route.examples?.response !== undefined
                    ? seedExample(route.examples.response)
                    : {}),
                },
              },
            }
          : { description: 'No content', headers: successHeaders };
  return {
    operationId: route.operationId,
    summary: route.summary,
    description: route.description,
    tags: [route.tag],
    security: [route.auth === 'partner' ? { partnerApiKey: [] } : { operatorToken: [] }],
    parameters,
    ...(requestBody ? { requestBody } : {}),
    responses: {
      [String(route.status)]: success,
      ...Object.fromEntries(
        Object.entries({ ...ERROR_RESPONSES, ...(requestBody ? BODY_ERROR_RESPONSES : {}) }).map(
          ([status, [name]]) => [status, { $ref: `#/components/responses/${name}` }],
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

const eventDescription = (type: EnvelopeType) =>
  type === TEST_EVENT_TYPE
    ? 'Sent only by `POST /partner/webhooks/{endpointId}/test`, to that endpoint only, through the normal delivery path: signed, retried, and in the delivery log. Never sent to subscriptions.'
    : `Sent to every enabled endpoint subscribed to \`${type}\` (or to all events). The body is signed per the Standard Webhooks specification; verify the signature with the endpoint secret before trusting it.`;

const ENVELOPE_TYPES: EnvelopeType[] = [...EVENT_TYPES, TEST_EVENT_TYPE];

/** Every event type as an OpenAPI 3.1 webhook: what Allot POSTs to a partner's endpoints. */
function webhooks() {
  return Object.fromEntries(
    ENVELOPE_TYPES.map((type) => [
      type,
      {
        post: {
          operationId: `event.${type}`,
          summary: `The ${type} event (version 1)`,
          description: eventDescription(type),
          tags: ['Events'],
          // Allot calls the partner: the request is authenticated by its signature, not a key.
          security: [],
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
              'application/json': { schema: outputRef(`event.${type}`, eventEnvelopeSchema(type)) },
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
  const outputSchemas = namedOutputSchemas();
  const inputSchemas: Record<string, JsonSchema> = {};
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = toOpenApiPath(route.path);
    paths[path] = {
      ...paths[path],
      [route.method.toLowerCase()]: operation(route, outputSchemas, inputSchemas),
    };
  }
  const events = webhooks();
  const responses = errorResponseComponents();
  const schemas = reachableSchemas(
    { paths, events, responses },
    { ...outputSchemas, ...inputSchemas, Error: errorSchema },
  );
  return {
    openapi: '3.1.0',
    info: {
      title: 'Allot API',
      version: options.version,
      description:
        'The partner API (`X-Partner-API-Key`) and the operator API (`Authorization: Bearer`). Credits are integers; money is a decimal string. A query parameter an operation does not list is a 400. Answers above 1 KB come with `Content-Encoding: br` or `gzip` when `Accept-Encoding` allows it (`Vary: Accept-Encoding`). Every response carries `X-Request-Id`; a method a path lacks answers 405 `method_not_allowed` with `Allow`.',
      license: { name: 'MIT', identifier: 'MIT' },
      // Partners reach whoever runs this deployment (Allot is whitelabel).
      contact: {
        name: 'The operator of this deployment',
        url: options.serverUrl.replace(/\/api\/v1$/, ''),
      },
    },
    servers: [{ url: options.serverUrl }],
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    components: {
      securitySchemes: {
        partnerApiKey: { type: 'apiKey', in: 'header', name: 'X-Partner-API-Key' },
        operatorToken: { type: 'http', scheme: 'bearer' },
      },
      schemas,
      responses,
      headers,
    },
    paths,
    webhooks: events,
  };
}
