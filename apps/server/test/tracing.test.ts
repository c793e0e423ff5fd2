import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { expectError } from './expect-errors.ts';
import { startTestServer, type TestServer } from './harness.ts';
import { ORGS } from './paths.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The server's JSON log lines, as they are written. */
const logLines: Record<string, unknown>[] = [];
const logStream = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString().split('\n').filter(Boolean))
      logLines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  },
});

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ logger: { level: 'info', stream: logStream } });
});
afterAll(() => server.close());

describe('X-Request-Id', () => {
  it('is on every response, success or error, REST, pixel, tRPC, health and unknown paths', async () => {
    const { apiKey } = await server.createPartner();
    const rest = await server.request('GET', ORGS, { apiKey });
    expect(rest.status).toBe(200);
    expect(rest.headers.get('x-request-id')).toMatch(UUID);

    for (const response of [
      await fetch(`${server.url}/health`),
      await fetch(`${server.url}/script.js?key=unknown`),
      await fetch(`${server.url}/collect`, { method: 'POST', body: 'not json' }),
      await fetch(`${server.url}/trpc/organizations.list`, {
        headers: { 'x-partner-api-key': apiKey },
      }),
      await fetch(`${server.url}/trpc/organizations.list`),
      await fetch(`${server.url}/nowhere`),
    ]) {
      expect(response.headers.get('x-request-id'), response.url).toMatch(UUID);
    }
  });

  it('is on what the HTTP parser refuses too: a request line past its limit, a path that does not decode', async () => {
    const long = await fetch(`${server.url}${ORGS}?search=${'x'.repeat(20_000)}`);
    expect(long.status).toBe(431);
    const longBody = (await long.json()) as { error: { code: string; requestId: string } };
    expect(longBody.error.code).toBe('headers_too_large');
    expect(longBody.error.requestId).toBe(long.headers.get('x-request-id'));
    expect(long.headers.get('x-request-id')).toMatch(UUID);

    const undecodable = await fetch(`${server.url}/api/v1/partner/organizations/%ZZ`);
    expect(undecodable.status).toBe(400);
    const body = (await undecodable.json()) as { error: { requestId: string } };
    expect(body.error.requestId).toBe(undecodable.headers.get('x-request-id'));
  });

  it('is in every error body as error.requestId, the same as the header', async () => {
    const { apiKey } = await server.createPartner();
    const unknownOrg = await server.request('GET', `${ORGS}/0190a0a0-0000-7000-8000-000000000000`, {
      apiKey,
    });
    expectError(unknownOrg, 404, 'not_found');
    expectError(await server.request('GET', ORGS), 401, 'unauthorized');
    expectError(
      await server.request('POST', ORGS, { apiKey, rawBody: '{"name":' }),
      400,
      'invalid_request',
    );

    // Outside the REST table: the pixel's errors and the JSON 404.
    for (const response of [
      await fetch(`${server.url}/collect`, { method: 'POST', body: 'not json' }),
      await fetch(`${server.url}/nowhere`),
    ]) {
      const body = (await response.json()) as { error: { requestId: string } };
      expect(body.error.requestId).toBe(response.headers.get('x-request-id'));
    }
  });

  it('echoes a sane incoming id and replaces any other', async () => {
    const { apiKey } = await server.createPartner();
    const mine = 'partner-trace:01J.abc_DEF-9';
    const echoed = await server.request('GET', ORGS, { apiKey, headers: { 'x-request-id': mine } });
    expect(echoed.headers.get('x-request-id')).toBe(mine);
    const failed = await server.request('GET', `${ORGS}/not-an-id`, {
      apiKey,
      headers: { 'x-request-id': mine },
    });
    expect(failed.body.error.requestId).toBe(mine);

    for (const bad of ['', 'x'.repeat(129), 'has space', 'semi;colon', 'quote"d', 'ünïcode']) {
      const response = await fetch(`${server.url}/health`, {
        headers: { 'x-request-id': bad },
      }).catch(() => null);
      // A header value fetch itself refuses to send is no test of the server.
      if (!response) continue;
      expect(response.headers.get('x-request-id'), bad).toMatch(UUID);
    }
  });

  it('is in the tRPC error data', async () => {
    const response = await fetch(`${server.url}/trpc/organizations.list`, {
      headers: { 'x-request-id': 'trpc-trace-1' },
    });
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: { data: { requestId: string } } };
    expect(body.error.data.requestId).toBe('trpc-trace-1');
  });

  it("is the log line's reqId", async () => {
    const response = await fetch(`${server.url}/health`, {
      headers: { 'x-request-id': 'log-trace-1' },
    });
    expect(response.status).toBe(200);
    // "request completed" is written once the response has finished, which may be just after.
    await vi.waitFor(() => {
      const lines = logLines.filter((line) => line.reqId === 'log-trace-1');
      expect(lines.map((line) => line.msg)).toEqual(['incoming request', 'request completed']);
    });
  });
});

describe('405 method not allowed', () => {
  const call = (method: string, path: string) =>
    fetch(`${server.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(method === 'GET' || method === 'HEAD' ? {} : { body: '{}' }),
    });

  it('answers a known path called with a method it lacks with 405 and Allow', async () => {
    for (const [method, path, allow] of [
      ['DELETE', '/api/v1/partner/billing', 'GET, HEAD'],
      ['PATCH', '/api/v1/partner/organizations', 'GET, HEAD, POST'],
      [
        'POST',
        '/api/v1/partner/organizations/0190a0a0-0000-7000-8000-000000000000/credits',
        'GET, HEAD, PUT',
      ],
      ['GET', '/collect', 'POST'],
      ['POST', '/script.js', 'GET, HEAD'],
      ['PUT', '/health', 'GET, HEAD'],
    ] as const) {
      const response = await call(method, path);
      expect(response.status, `${method} ${path}`).toBe(405);
      expect(response.headers.get('allow'), `${method} ${path}`).toBe(allow);
      expect(response.headers.get('x-request-id')).toMatch(UUID);
      const body = (await response.json()) as { error: Record<string, string> };
      expect(body).toEqual({
        error: {
          code: 'method_not_allowed',
          message: expect.stringContaining(allow),
          requestId: response.headers.get('x-request-id'),
        },
      });
    }
  });

  it('answers 405 before reading the body, whatever was sent', async () => {
    for (const [contentType, body] of [
      ['text/plain', 'hello'],
      ['application/json', '{"broken":'],
    ] as const) {
      const response = await fetch(`${server.url}/api/v1/partner/billing`, {
        method: 'POST',
        headers: { 'content-type': contentType },
        body,
      });
      expect(response.status, contentType).toBe(405);
      expect(response.headers.get('allow')).toBe('GET, HEAD');
    }
  });

  it('leaves unknown paths 404, and the admin pages to the app', async () => {
    const unknown = await call('POST', '/api/v1/partner/nothing-here');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('not_found');
    const page = await fetch(`${server.url}/organizations/some-id`, {
      headers: { accept: 'text/html' },
    });
    expect(page.headers.get('content-type')).toContain('text/html');
  });
});
