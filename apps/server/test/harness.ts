import { createTestDatabase } from '@allot/db/testing';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { IdentityResolver, LoginThrottleOptions } from '@allot/api';
import { ensureAdminBuild } from '@allot/admin/build';
import type { FastifyServerOptions } from 'fastify';
import { createServer } from 'node:net';
import { VISITOR_USER_AGENT } from '@allot/browser-testing/user-agents';
import { buildServer } from '../src/app.ts';

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;

export { VISITOR_USER_AGENT };

export const OPERATOR_TOKEN = 'test-operator-token-0123456789abcdef';

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface RequestOptions {
  body?: unknown;
  /** A raw body, sent as is (for malformed-input tests). */
  rawBody?: string;
  apiKey?: string;
  operator?: boolean;
  headers?: Record<string, string>;
}

type OpenApiResponse = {
  $ref?: string;
  content?: {
    'application/json'?: { schema: object };
    'text/csv'?: object;
    'application/pdf'?: object;
  };
};

type OpenApi = {
  paths: Record<string, Record<string, { responses: Record<string, OpenApiResponse> }>>;
  components: { responses?: Record<string, OpenApiResponse> };
};

/** Compiles schemas of an OpenAPI document, resolving its `#/components/...` references. */
export function documentSchemas(document: { components: object }) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ components: document.components }, 'openapi');
  return {
    ajv,
    compile: (schema: object) =>
      ajv.compile(
        JSON.parse(JSON.stringify(schema).replaceAll('"#/components', '"openapi#/components')),
      ),
  };
}

/** Validates every response against the OpenAPI document the server itself serves. */
function responseValidator(document: OpenApi) {
  const { ajv, compile } = documentSchemas(document);
  const templates = Object.keys(document.paths).map((template) => ({
    template,
    pattern: new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}$`),
  }));
  const cache = new Map<string, ValidateFunction | null>();
  const errorSchema = ajv.compile({ $ref: 'openapi#/components/schemas/Error' });
  return (
    method: string,
    path: string,
    status: number,
    body: unknown,
    /** A file's media type (`text/csv`, `application/pdf`); null for a JSON body. */
    file: 'text/csv' | 'application/pdf' | null = null,
    allow: string | null = null,
  ) => {
    const match = templates.find(({ pattern }) => pattern.test(path));
    // An address the API does not have (`/organizations/../credits`) is refused in the one
    // error shape: 404, or the 4xx of a body the server would not read anyway.
    if (!match && status >= 400 && status < 500 && errorSchema(body)) return;
    if (!match) throw new Error(`No OpenAPI path matches ${path}`);
    const operations = document.paths[match.template] ?? {};
    const operation = operations[method.toLowerCase()];
    if (!operation && status === 405) {
      // A method the path lacks: the one error shape, and Allow lists what the document has.
      if (!errorSchema(body)) throw new Error(`405 is not an Error: ${JSON.stringify(body)}`);
      const documented = Object.keys(operations).map((m) => m.toUpperCase());
      if (documented.includes('GET')) documented.push('HEAD');
      const allowed = (allow ?? '').split(', ').filter(Boolean);
      if (allowed.sort().join() !== documented.sort().join())
        throw new Error(`Allow: ${allow} for ${match.template}; documented: ${documented.join()}`);
      return;
    }
    if (!operation) throw new Error(`OpenAPI has no ${method} ${match.template}`);
    const documented = operation.responses[String(status)];
    // Error responses are shared: `#/components/responses/<Name>`.
    const response = documented?.$ref
      ? document.components.responses?.[documented.$ref.split('/').pop() as string]
      : documented;
    if (!response)
      throw new Error(`OpenAPI documents no ${status} for ${method} ${match.template}`);
    const key = `${method} ${match.template} ${status}`;
    if (file) {
      if (!response.content?.[file]) throw new Error(`${key} documents no ${file} body`);
      return;
    }
    if (!cache.has(key)) {
      const schema = response.content?.['application/json']?.schema;
      cache.set(key, schema ? compile(schema) : null);
    }
    const validate = cache.get(key);
    if (validate === null) {
      if (body !== undefined) throw new Error(`${key} documents no body but got one`);
      return;
    }
    if (validate && !validate(body)) {
      throw new Error(
        `${key} does not match the OpenAPI document: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body)}`,
      );
    }
  };
}

export interface TestServerOptions {
  /** The server's clock; tests move it to cross billing periods. */
  now?: () => Date;
  rateLimitPerMinute?: number;
  identity?: IdentityResolver;
  trustProxy?: string[];
  pixelRateLimitPerIp?: number;
  pixelRateLimitPerKey?: number;
  /** Script tags and OpenAPI name the server's real address instead of https://allot.test. */
  selfPublicUrl?: boolean;
  /** Webhook endpoints may be http://127.0.0.1 receivers (`ALLOT_ALLOW_HTTP_WEBHOOKS`). */
  allowHttpWebhooks?: boolean;
  loginThrottle?: LoginThrottleOptions;
  /** Serve the admin app at `/`, built first if its build is missing or stale. */
  admin?: boolean;
  /** The server's logger (Fastify's option); silent by default. */
  logger?: FastifyServerOptions['logger'];
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** The real server over real HTTP on 127.0.0.1, on a database of its own. */
export async function startTestServer(options: TestServerOptions = {}) {
  const database = await createTestDatabase();
  const port = options.selfPublicUrl ? await freePort() : 0;
  const app = await buildServer({
    db: database.db,
    databaseUrl: database.url,
    publicUrl: options.selfPublicUrl ? `http://127.0.0.1:${port}` : 'https://allot.test',
    operatorToken: OPERATOR_TOKEN,
    ...(options.now ? { clock: options.now } : {}),
    ...(options.rateLimitPerMinute ? { rateLimitPerMinute: options.rateLimitPerMinute } : {}),
    ...(options.identity ? { identity: options.identity } : {}),
    ...(options.trustProxy !== undefined ? { trustProxy: options.trustProxy } : {}),
    pixelRateLimitPerIp: options.pixelRateLimitPerIp ?? 100_000,
    pixelRateLimitPerKey: options.pixelRateLimitPerKey ?? 100_000,
    allowHttpWebhooks: options.allowHttpWebhooks ?? false,
    ...(options.loginThrottle ? { loginThrottle: options.loginThrottle } : {}),
    ...(options.admin ? { adminDir: await ensureAdminBuild() } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  await app.listen({ port, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('server has no port');
  const url = `http://127.0.0.1:${address.port}`;
  const document = (await (await fetch(`${url}/api/v1/openapi.json`)).json()) as OpenApi;
  const validate = responseValidator(document);

  async function request<T = any>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.apiKey) headers['x-partner-api-key'] = options.apiKey;
    if (options.operator) headers.authorization = `Bearer ${OPERATOR_TOKEN}`;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    const address = new URL(`${url}/api/v1${path}`);
    const response = await fetch(address, { method, headers, body });
    const type = response.headers.get('content-type') ?? '';
    // A PDF arrives as bytes, a CSV export as text; everything else is JSON.
    const file = type.startsWith('application/pdf')
      ? 'application/pdf'
      : type.startsWith('text/csv')
        ? 'text/csv'
        : null;
    const bytes = Buffer.from(await response.arrayBuffer());
    const text = bytes.toString('utf8');
    const parsed =
      file === 'application/pdf'
        ? bytes
        : file
          ? text
          : text === ''
            ? undefined
            : (JSON.parse(text) as T);
    // Every response names its request (X-Request-Id); the document describes the header.
    if (!response.headers.get('x-request-id'))
      throw new Error(`${method} ${path} answered ${response.status} without X-Request-Id`);
    // The path the server saw: dot segments (`/organizations/../billing`) are resolved first.
    const served = address.pathname.startsWith('/api/v1/')
      ? address.pathname.slice('/api/v1'.length)
      : path.split('?')[0];
    validate(
      method,
      served as string,
      response.status,
      parsed,
      file,
      response.headers.get('allow'),
    );
    return { status: response.status, body: parsed as T, headers: response.headers };
  }

  /** Onboards a partner through the operator API; returns it with its API key. */
  async function createPartner(overrides: Record<string, unknown> = {}) {
    const response = await request('POST', '/operator/partners', {
      operator: true,
      body: {
        name: 'Partner',
        billingMode: 'credit_pool',
        billingPeriod: 'monthly',
        poolCredits: 1000,
        ...overrides,
      },
    });
    if (response.status !== 201)
      throw new Error(`createPartner: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body as { partner: { id: string }; apiKey: string };
  }

  /** Posts one pixel event as the script does, from a visitor's browser: JSON in a text/plain body. */
  async function collect(event: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(`${url}/collect`, {
      method: 'POST',
      headers: {
        'content-type': 'text/plain;charset=UTF-8',
        'user-agent': VISITOR_USER_AGENT,
        ...headers,
      },
      body: typeof event === 'string' ? event : JSON.stringify(event),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
  }

  /** A request that must succeed (any 2xx): its body, or a failure naming the response. */
  async function ok<T = any>(
    method: string,
    path: string,
    apiKey: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<T> {
    const response = await request<T>(method, path, { apiKey, body, headers });
    if (response.status >= 300)
      throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  }

  return {
    url,
    collect,
    ok,
    db: database.db,
    /** The test database's URL, for processes of their own (the CLI). */
    databaseUrl: database.url,
    document,
    request,
    createPartner,
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}

export type TestServer = Awaited<ReturnType<typeof startTestServer>>;
