import { EVENT_TYPES, TEST_EVENT_TYPE } from '@allot/domain';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentSchemas, startTestServer, type TestServer } from './harness.ts';

const run = promisify(execFile);
const serverDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = join(serverDir, 'test', 'openapi-fixtures');
const bin = (name: string) => join(serverDir, 'node_modules', '.bin', name);

type Operation = {
  operationId: string;
  summary?: string;
  description?: string;
  tags?: string[];
  security?: unknown[];
  requestBody?: { content: Record<string, MediaType> };
  responses: Record<string, { $ref?: string; content?: Record<string, MediaType> }>;
};
type MediaType = { schema: object; examples?: Record<string, { value: unknown }> };
type Document = {
  info: { license?: { name: string } };
  tags: { name: string; description: string }[];
  paths: Record<string, Record<string, Operation>>;
  webhooks: Record<string, { post: Operation }>;
  components: {
    schemas: Record<string, object>;
    headers: Record<string, object>;
    responses: Record<string, { headers?: Record<string, unknown> }>;
  };
};

let server: TestServer;
let document: Document;
let served: string;
let workDir: string;
beforeAll(async () => {
  server = await startTestServer();
  served = await (await fetch(`${server.url}/api/v1/openapi.json`)).text();
  document = JSON.parse(served) as Document;
  // Inside the package, so the generated client resolves openapi-fetch from its node_modules.
  await mkdir(join(serverDir, 'node_modules', '.cache'), { recursive: true });
  workDir = await mkdtemp(join(serverDir, 'node_modules', '.cache', 'openapi-'));
  await writeFile(join(workDir, 'openapi.json'), served);
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
  await server.close();
});

const operations = () => Object.values(document.paths).flatMap((methods) => Object.values(methods));

describe('the served OpenAPI document', () => {
  it('passes redocly lint (recommended) with no error and no warning', async () => {
    const { stdout } = await run(
      bin('redocly'),
      [
        'lint',
        join(workDir, 'openapi.json'),
        '--config',
        join(fixtures, 'redocly.yaml'),
        '--format',
        'json',
      ],
      { timeout: 60_000, env: { ...process.env, REDOCLY_TELEMETRY: 'off', NO_COLOR: '1' } },
    ).catch((error: { stdout: string }) => ({ stdout: error.stdout }));
    const report = JSON.parse(stdout) as {
      totals: { errors: number; warnings: number };
      problems: { ruleId: string; message: string }[];
    };
    expect(report.problems.map(({ ruleId, message }) => `${ruleId}: ${message}`)).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  }, 60_000);

  it('passes spectral lint (spectral:oas) with no error and no warning', async () => {
    const { stdout } = await run(
      bin('spectral'),
      [
        'lint',
        join(workDir, 'openapi.json'),
        '--ruleset',
        join(fixtures, 'spectral.yaml'),
        '--format',
        'json',
        '--quiet',
      ],
      { timeout: 60_000 },
    ).catch((error: { stdout: string }) => ({ stdout: error.stdout }));
    const results = JSON.parse(stdout || '[]') as {
      code: string;
      message: string;
      severity: number;
    }[];
    // Severity 0 is an error, 1 a warning.
    expect(
      results
        .filter(({ severity }) => severity <= 1)
        .map(({ code, message }) => `${code}: ${message}`),
    ).toEqual([]);
  }, 60_000);

  it('names every entity and envelope, and every success body is a reference to one', () => {
    expect(Object.keys(document.components.schemas)).toEqual(
      expect.arrayContaining([
        'Organization',
        'OrganizationList',
        'OrganizationResponse',
        'Partner',
        'Grant',
        'GrantList',
        'Balance',
        'LedgerEntry',
        'LedgerPage',
        'Consumption',
        'Visitor',
        'VisitorList',
        'IcpProfile',
        'WebhookEndpoint',
        'WebhookDelivery',
        'WebhookDeliveryPage',
        'CreatedApiKey',
        'BalanceAlerts',
        'AutoTopUp',
        'Billing',
        'Usage',
        'Analytics',
        'Error',
      ]),
    );
    for (const operation of operations()) {
      for (const [status, response] of Object.entries(operation.responses)) {
        const schema = response.content?.['application/json']?.schema;
        if (schema) expect(schema, `${operation.operationId} ${status}`).toHaveProperty('$ref');
        else if (Number(status) >= 400)
          expect(response.$ref).toMatch(/^#\/components\/responses\//);
      }
    }
    // A bound that grows with the API, low enough to catch a named schema inlined at every use.
    expect(served.length).toBeLessThan(400_000);
  });

  it('describes and tags every operation, with the tags declared at the top', () => {
    const declared = new Set(document.tags.map(({ name }) => name));
    for (const tag of document.tags) expect(tag.description).not.toBe('');
    for (const operation of [
      ...operations(),
      ...Object.values(document.webhooks).map(({ post }) => post),
    ]) {
      expect(operation.summary, operation.operationId).toBeTruthy();
      expect(operation.description, operation.operationId).toBeTruthy();
      expect(
        operation.tags?.every((tag) => declared.has(tag)),
        operation.operationId,
      ).toBe(true);
    }
  });

  it("shows the API reference's examples, and each matches its own schema", () => {
    const { ajv, compile } = documentSchemas(document);
    const documented: string[] = [];
    for (const operation of operations()) {
      const media = [
        operation.requestBody?.content['application/json'],
        ...Object.values(operation.responses).map((r) => r.content?.['application/json']),
      ];
      for (const type of media) {
        if (!type) continue;
        for (const example of Object.values(type.examples ?? {})) {
          const validate = compile(type.schema);
          expect(
            validate(example.value),
            `${operation.operationId}: ${ajv.errorsText(validate.errors)}`,
          ).toBe(true);
          documented.push(operation.operationId);
        }
      }
    }
    // Every organizations endpoint of the reference that has a body shows it, and the pricing
    // the invoicing issue describes.
    expect(new Set(documented)).toEqual(
      new Set([
        'operator.partners.setPricing',
        'organizations.list',
        'organizations.create',
        'organizations.get',
        'organizations.update',
        'organizations.setStatus',
        'organizations.setTier',
        'organizations.setBilling',
        'pixel.get',
        'pixel.update',
        'visitors.list',
      ]),
    );
  });

  it('documents the response headers, 429 and 503 on every operation', () => {
    expect(Object.keys(document.components.headers).sort()).toEqual(
      [
        'Idempotent-Replayed',
        'Retry-After',
        'X-RateLimit-Limit',
        'X-RateLimit-Remaining',
        'X-RateLimit-Reset',
        'X-Request-Id',
      ].sort(),
    );
    expect(Object.keys(document.components.responses.ServiceUnavailable?.headers ?? {})).toContain(
      'Retry-After',
    );
    expect(Object.keys(document.components.responses.TooManyRequests?.headers ?? {})).toContain(
      'Retry-After',
    );
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        expect(operation.responses['503'], `${method} ${path}`).toEqual({
          $ref: '#/components/responses/ServiceUnavailable',
        });
        expect(operation.responses['429'], `${method} ${path}`).toBeDefined();
        const success = Object.entries(operation.responses).find(([status]) => status < '300');
        const headers = Object.keys((success?.[1] as { headers?: object }).headers ?? {});
        expect(headers).toContain('X-Request-Id');
        if (method !== 'get') expect(headers).toContain('Idempotent-Replayed');
      }
    }
  });

  it('documents every event, webhook.test included, as unauthenticated webhooks', () => {
    expect(Object.keys(document.webhooks).sort()).toEqual([...EVENT_TYPES, TEST_EVENT_TYPE].sort());
    for (const { post } of Object.values(document.webhooks)) expect(post.security).toEqual([]);
    expect(
      document.webhooks[TEST_EVENT_TYPE]?.post.requestBody?.content['application/json'],
    ).toEqual({
      schema: { $ref: '#/components/schemas/WebhookTestEvent' },
    });
    expect(document.info.license).toMatchObject({ name: 'MIT' });
  });

  it('generates a typed client that a partner script typechecks against', async () => {
    await run(
      bin('openapi-typescript'),
      [join(workDir, 'openapi.json'), '--output', join(workDir, 'allot-api.d.ts')],
      { timeout: 60_000 },
    );
    await copyFile(join(fixtures, 'partner-script.ts'), join(workDir, 'partner-script.ts'));
    await writeFile(
      join(workDir, 'tsconfig.json'),
      JSON.stringify({
        extends: join(serverDir, 'node_modules', '@allot', 'tsconfig', 'base.json'),
        compilerOptions: { lib: ['ES2023', 'DOM'], types: [] },
        files: ['partner-script.ts'],
      }),
    );
    const result = await run(bin('tsc'), ['--noEmit', '-p', join(workDir, 'tsconfig.json')], {
      timeout: 60_000,
    }).catch((error: { stdout: string }) => ({ stdout: error.stdout, failed: true }));
    expect(result.stdout).toBe('');
  }, 60_000);
});
