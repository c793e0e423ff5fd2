import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defined } from '@allot/domain';
import { attemptDelivery } from './deliver.ts';
import { newWebhookSecret } from './sign.ts';

const seen: { headers: IncomingHttpHeaders; body: string }[] = [];
let reply: { status: number; body: string; delayMs?: number } = { status: 200, body: 'ok' };
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString()));
  req.on('end', () => {
    seen.push({ headers: req.headers, body });
    setTimeout(() => res.writeHead(reply.status).end(reply.body), reply.delayMs ?? 0);
  });
});
let port = 0;
beforeAll(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  port = (receiver.address() as AddressInfo).port;
});
afterAll(async () => {
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
});

const secret = newWebhookSecret();
const eventId = '01890a5d-ac96-774b-bcce-b302099a8057';
const body = JSON.stringify({ id: eventId, type: 'webhook.test', data: {} });
const open = { allowHttpWebhooks: true, timeoutMs: 1_000 };

describe('attemptDelivery', () => {
  it('signs per Standard Webhooks and keeps the first 500 bytes of the answer', async () => {
    seen.length = 0;
    reply = { status: 200, body: 'x'.repeat(2_000) };
    const result = await attemptDelivery(
      { url: `http://127.0.0.1:${port}/in`, secret, eventId, body },
      open,
    );
    expect(result).toMatchObject({ statusCode: 200, error: null });
    expect(result.responseExcerpt).toBe('x'.repeat(500));
    const request = defined(seen[0], 'the request');
    expect(request.headers['webhook-id']).toBe(eventId);
    expect(request.headers['content-type']).toBe('application/json');
    expect(new Webhook(secret).verify(request.body, request.headers as never)).toEqual(
      JSON.parse(body),
    );
    expect(() =>
      new Webhook(newWebhookSecret()).verify(request.body, request.headers as never),
    ).toThrow();
  });

  it('connects to the address it checked, keeping the URL host in the request', async () => {
    seen.length = 0;
    reply = { status: 204, body: '' };
    const result = await attemptDelivery(
      { url: `http://receiver.localhost:${port}/in`, secret, eventId, body },
      { ...open, resolve: () => Promise.resolve([{ address: '127.0.0.1', family: 4 }]) },
    );
    expect(result.statusCode).toBe(204);
    expect(seen[0]?.headers.host).toBe(`receiver.localhost:${port}`);
  });

  it('never sends to a private address unless allowed, checking at the moment of sending', async () => {
    seen.length = 0;
    const result = await attemptDelivery(
      { url: `https://hooks.example.com:${port}/in`, secret, eventId, body },
      {
        allowHttpWebhooks: false,
        timeoutMs: 1_000,
        resolve: () => Promise.resolve([{ address: '127.0.0.1', family: 4 }]),
      },
    );
    expect(result.statusCode).toBeNull();
    expect(result.error).toMatch(
      /^webhook_url_private_address: hooks.example.com resolves to 127.0.0.1/,
    );
    expect(seen).toHaveLength(0);
  });

  it.each([
    ['https://[::ffff:0:127.0.0.1]/in', '93.184.215.14'],
    ['https://[64:ff9b:1::a00:1]/in', '93.184.215.14'],
    ['https://[64:ff9b::7f00:1]/in', '93.184.215.14'],
    ['https://hooks.example.com/in', '::ffff:0:7f00:1'],
    ['https://hooks.example.com/in', '64:ff9b:1::a00:1'],
    ['https://hooks.example.com/in', '2001:0:808:808::80ff:fffe'],
    ['https://hooks.example.com/in', '198.51.100.7'],
  ])('refuses to send to %s resolving to %s', async (url, address) => {
    const result = await attemptDelivery(
      { url, secret, eventId, body },
      {
        allowHttpWebhooks: false,
        timeoutMs: 1_000,
        resolve: () => Promise.resolve([{ address, family: address.includes(':') ? 6 : 4 }]),
      },
    );
    expect(result.statusCode).toBeNull();
    expect(result.error).toMatch(/^webhook_url_private_address: /);
  });

  it('gives up after the timeout, and reports a refused connection', async () => {
    reply = { status: 200, body: 'late', delayMs: 500 };
    const slow = await attemptDelivery(
      { url: `http://127.0.0.1:${port}/in`, secret, eventId, body },
      { ...open, timeoutMs: 100 },
    );
    expect(slow).toMatchObject({ statusCode: null, error: 'timed out after 100 ms' });
    expect(slow.latencyMs).toBeGreaterThanOrEqual(90);
    expect(slow.latencyMs).toBeLessThan(400);

    const refused = await attemptDelivery(
      { url: `http://127.0.0.1:1/in`, secret, eventId, body },
      open,
    );
    expect(refused.statusCode).toBeNull();
    expect(refused.error).toContain('ECONNREFUSED');
  });
});
