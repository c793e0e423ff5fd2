import { defined } from '@allot/domain';
// What goes over the wire compressed: the admin app's assets (compressed at build), large JSON
// (compressed per response), CSV exports (compressed as they stream); small answers stay as is.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { adminDist } from '@allot/admin/build';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPRESS_THRESHOLD } from '../src/app.ts';
import { OPERATOR_TOKEN, startTestServer, type TestServer } from './harness.ts';
import { rawGet } from './raw-http.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ admin: true });
}, 300_000);
afterAll(async () => {
  await server.close();
});

const decoders = { br: brotliDecompressSync, gzip: gunzipSync } as const;

describe('the admin app', () => {
  it('serves its entry script precompressed, decoding to the built file', async () => {
    const html = readFileSync(join(adminDist, 'index.html'), 'utf8');
    const entry = /<script[^>]+src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(entry).toBeDefined();
    const built = readFileSync(join(adminDist, defined(entry, 'the entry script').slice(1)));
    const plain = await rawGet(`${server.url}${entry}`);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.equals(built)).toBe(true);
    for (const [encoding, decode] of Object.entries(decoders)) {
      const response = await rawGet(`${server.url}${entry}`, { 'accept-encoding': encoding });
      expect(response.status).toBe(200);
      expect(response.headers['content-encoding']).toBe(encoding);
      expect(response.headers['content-type']).toMatch(/javascript/);
      expect(response.headers.vary).toMatch(/accept-encoding/i);
      expect(response.body.length).toBeLessThan(built.length / 3);
      expect(decode(response.body).equals(built)).toBe(true);
      console.log(`admin entry: ${built.length} B identity, ${response.body.length} B ${encoding}`);
    }
    const preferred = await rawGet(`${server.url}${entry}`, {
      'accept-encoding': 'gzip, deflate, br',
    });
    expect(preferred.headers['content-encoding']).toBe('br');
  });
});

describe('JSON', () => {
  it('compresses the OpenAPI document with brotli or gzip, as accepted', async () => {
    const url = `${server.url}/api/v1/openapi.json`;
    const plain = await rawGet(url);
    expect(plain.headers['content-encoding']).toBeUndefined();
    const document = JSON.parse(plain.body.toString('utf8'));
    for (const [encoding, decode] of Object.entries(decoders)) {
      const response = await rawGet(url, { 'accept-encoding': encoding });
      expect(response.headers['content-encoding']).toBe(encoding);
      expect(response.headers.vary).toMatch(/accept-encoding/i);
      expect(response.body.length).toBeLessThan(plain.body.length / 4);
      expect(JSON.parse(decode(response.body).toString('utf8'))).toEqual(document);
      console.log(
        `openapi.json: ${plain.body.length} B identity, ${response.body.length} B ${encoding}`,
      );
    }
    const preferred = await rawGet(url, { 'accept-encoding': 'gzip, deflate, br' });
    expect(preferred.headers['content-encoding']).toBe('br');
  });

  it('compresses a long list, and leaves an answer under the threshold as it is', async () => {
    const { apiKey } = await server.createPartner({ billingMode: 'external' });
    for (let i = 0; i < 10; i += 1) {
      const created = await server.request('POST', '/partner/organizations', {
        apiKey,
        body: { name: `Organization ${i}`, tier: 'paid', initialCredits: 10 },
      });
      expect(created.status).toBe(201);
    }
    const headers = { 'x-partner-api-key': apiKey, 'accept-encoding': 'gzip' };
    const list = await rawGet(`${server.url}/api/v1/partner/organizations`, headers);
    expect(list.status).toBe(200);
    expect(list.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(list.body).toString('utf8')).total).toBe(10);

    const small = await rawGet(`${server.url}/health`, { 'accept-encoding': 'gzip, br' });
    expect(small.status).toBe(200);
    expect(small.body.length).toBeLessThan(COMPRESS_THRESHOLD);
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(small.body.toString('utf8'))).toMatchObject({ status: 'ok' });
    // Errors too: a small one goes out as is.
    const missing = await rawGet(`${server.url}/api/v1/partner/organizations/nope`, headers);
    expect(missing.status).toBe(400);
    expect(missing.headers['content-encoding']).toBeUndefined();
  });

  it('keeps every client that decodes working: fetch, the harness and tRPC', async () => {
    const { body } = await server.request('GET', '/operator/partners', { operator: true });
    expect(body.partners.length).toBeGreaterThan(0);
    const trpc = await fetch(`${server.url}/trpc/operator.partners.list`, {
      headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, 'accept-encoding': 'br' },
    });
    expect(trpc.status).toBe(200);
    expect(((await trpc.json()) as { result: { data: unknown } }).result.data).toMatchObject({
      page: 1,
    });
  });
});

describe('CSV exports', () => {
  it('stream compressed: chunked, gzip, decoding to the same rows as uncompressed', async () => {
    const { apiKey } = await server.createPartner({ billingMode: 'external' });
    const created = await server.request('POST', '/partner/organizations', {
      apiKey,
      body: { name: 'Exported', tier: 'paid', initialCredits: 10 },
    });
    const id = created.body.organization.id as string;
    for (let i = 0; i < 40; i += 1) {
      const grant = await server.request('POST', `/partner/organizations/${id}/credits/grants`, {
        apiKey,
        body: { amount: 1, reason: `Grant number ${i}` },
      });
      expect(grant.status).toBe(201);
    }
    const url = `${server.url}/api/v1/partner/credits/ledger.csv`;
    const plain = await rawGet(url, { 'x-partner-api-key': apiKey });
    expect(plain.status).toBe(200);
    expect(plain.body.length).toBeGreaterThan(COMPRESS_THRESHOLD);
    const compressed = await rawGet(url, {
      'x-partner-api-key': apiKey,
      'accept-encoding': 'gzip',
    });
    expect(compressed.status).toBe(200);
    expect(compressed.headers['content-type']).toMatch(/^text\/csv/);
    expect(compressed.headers['content-encoding']).toBe('gzip');
    // Streamed: sent in chunks as the rows are read, never buffered whole to learn its length.
    expect(compressed.headers['transfer-encoding']).toBe('chunked');
    expect(compressed.headers['content-length']).toBeUndefined();
    expect(gunzipSync(compressed.body).toString('utf8')).toBe(plain.body.toString('utf8'));
  });
});
