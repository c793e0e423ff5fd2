import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';

const serverPackage = createRequire(import.meta.url)('../package.json') as { version: string };

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('the version', () => {
  it('is the server package version, on /health and in the OpenAPI document', async () => {
    expect(serverPackage.version).toBe('0.1.0');
    const health = (await (await fetch(`${server.url}/health`)).json()) as { version: string };
    expect(health.version).toBe(serverPackage.version);
    const document = (await (await fetch(`${server.url}/api/v1/openapi.json`)).json()) as {
      info: { version: string };
    };
    expect(document.info.version).toBe(serverPackage.version);
  });
});
