import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHttpResolver, type HttpResolverOptions } from './http.ts';
import type { IdentityResolver } from './resolver.ts';

// A real identity service on a loopback port; each test says how it answers.
type Behaviour = (body: unknown, res: ServerResponse) => void | Promise<void>;
let behaviour: Behaviour;
let received: { body: unknown; req: IncomingMessage }[];
const server = createServer((req, res) => {
  let text = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => (text += chunk));
  req.on('end', () => {
    const body: unknown = JSON.parse(text);
    received.push({ body, req });
    void behaviour(body, res);
  });
});
let url: string;
beforeAll(async () => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/identify`;
});
afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
});

const json = (status: number, body: unknown) => (_: unknown, res: ServerResponse) => {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
};
const status = (code: number) => (_: unknown, res: ServerResponse) => {
  res.writeHead(code).end();
};
const slow =
  (ms: number, then: Behaviour): Behaviour =>
  async (body, res) => {
    await sleep(ms);
    if (!res.destroyed) await then(body, res);
  };

const analytics = { company: { name: 'Example Analytics Ltd', domain: 'example.com' } };
const found = json(200, analytics);

const resolvers: IdentityResolver[] = [];
const resolverWith = (options: Partial<HttpResolverOptions> = {}) => {
  const resolver = createHttpResolver({ url, ...options });
  resolvers.push(resolver);
  return resolver;
};
beforeEach(() => {
  received = [];
  behaviour = found;
});
afterEach(async () => {
  for (const resolver of resolvers.splice(0)) await resolver.close();
});

/** How long `work` took, in milliseconds, and what it returned. */
async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await work();
  return [result, performance.now() - start];
}

describe('createHttpResolver', () => {
  it('posts the address and user agent and parses the answer', async () => {
    behaviour = json(200, {
      company: { name: 'Example Analytics Ltd', domain: 'example.com', employeeCount: 120 },
      person: { email: 'jane.doe@example.com', firstName: 'Jane' },
      extra: 'ignored',
    });
    const identity = await resolverWith().resolve('203.0.113.7', 'Mozilla/5.0');
    expect(identity).toEqual({
      company: { name: 'Example Analytics Ltd', domain: 'example.com', employeeCount: 120 },
      person: { email: 'jane.doe@example.com', firstName: 'Jane' },
    });
    expect(received).toHaveLength(1);
    expect(received[0]?.body).toEqual({ ip: '203.0.113.7', userAgent: 'Mozilla/5.0' });
    expect(received[0]?.req.method).toBe('POST');
    expect(received[0]?.req.headers['content-type']).toBe('application/json');
  });

  it('sends an email hint, reads back the record id, and caches per hint', async () => {
    behaviour = (body, res) => {
      const email = (body as { email?: string }).email;
      if (email !== 'jane@example.com') return status(404)(body, res);
      json(200, { person: { id: 'p-7', email, firstName: 'Jane' } })(body, res);
    };
    const resolver = resolverWith();
    const jane = { person: { id: 'p-7', email: 'jane@example.com', firstName: 'Jane' } };
    expect(await resolver.resolve('203.0.113.7', null, 'Jane@Example.com')).toEqual(jane);
    expect(await resolver.resolve('203.0.113.7', null, 'made-up@example.com')).toBeNull();
    expect(await resolver.resolve('203.0.113.7', null, 'jane@example.com')).toEqual(jane);
    expect(received.map((r) => r.body)).toEqual([
      { ip: '203.0.113.7', userAgent: null, email: 'jane@example.com' },
      { ip: '203.0.113.7', userAgent: null, email: 'made-up@example.com' },
    ]);
  });

  it('serves a known address from the cache, in any spelling', async () => {
    const resolver = resolverWith();
    expect(await resolver.resolve('203.0.113.7', null)).toEqual(analytics);
    expect(await resolver.resolve('203.0.113.7', 'Other/1.0')).toEqual(analytics);
    expect(await resolver.resolve('::ffff:203.0.113.7', null)).toEqual(analytics);
    expect(await resolver.resolve('2001:db8::1', null)).toEqual(analytics);
    expect(await resolver.resolve('2001:DB8:0::1', null)).toEqual(analytics);
    expect(received.map((r) => r.body)).toEqual([
      { ip: '203.0.113.7', userAgent: null },
      { ip: '2001:db8::1', userAgent: null },
    ]);
  });

  it('caches "nobody" (404, 204, an empty identity) too', async () => {
    const resolver = resolverWith();
    for (const [ip, answer] of [
      ['192.0.2.1', status(404)],
      ['192.0.2.2', status(204)],
      ['192.0.2.3', json(200, {})],
    ] as const) {
      behaviour = answer;
      expect(await resolver.resolve(ip, null)).toBeNull();
      expect(await resolver.resolve(ip, null)).toBeNull();
    }
    expect(received).toHaveLength(3);
  });

  it('asks again once the cached answer expires', async () => {
    const resolver = resolverWith({ cacheTtlMs: 50 });
    await resolver.resolve('192.0.2.1', null);
    await sleep(80);
    await resolver.resolve('192.0.2.1', null);
    expect(received).toHaveLength(2);
  });

  it('gives up at the timeout, and does not cache the failure', async () => {
    behaviour = slow(1_000, found);
    const resolver = resolverWith({ timeoutMs: 100 });
    const [identity, ms] = await timed(() => resolver.resolve('192.0.2.1', null));
    expect(identity).toBeNull();
    expect(ms).toBeGreaterThanOrEqual(90);
    expect(ms).toBeLessThan(400);
    behaviour = found;
    expect(await resolver.resolve('192.0.2.1', null)).toEqual(analytics);
    expect(received).toHaveLength(2);
  });

  it('answers null for a body that is not an identity, without caching it', async () => {
    const resolver = resolverWith({ failureThreshold: 100 });
    for (const answer of [
      (_: unknown, res: ServerResponse) => res.writeHead(200).end('<html>not json</html>'),
      json(200, { company: { domain: 'no-name.example' } }),
      json(200, { person: { email: 'not an email' } }),
      json(200, [analytics]),
    ]) {
      behaviour = answer;
      expect(await resolver.resolve('192.0.2.1', null)).toBeNull();
    }
    expect(received).toHaveLength(4);
  });

  it('treats other statuses and refused connections as failures: null', async () => {
    behaviour = json(500, analytics);
    expect(await resolverWith().resolve('192.0.2.1', null)).toBeNull();
    behaviour = status(429);
    expect(await resolverWith().resolve('192.0.2.1', null)).toBeNull();
    const refused = createHttpResolver({ url: 'http://127.0.0.1:1/identify' });
    expect(await refused.resolve('192.0.2.1', null)).toBeNull();
    await refused.close();
  });

  it('shares one request among concurrent lookups of an address', async () => {
    behaviour = slow(100, found);
    const resolver = resolverWith();
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        resolver.resolve(i % 2 ? '192.0.2.1' : '::ffff:192.0.2.1', null),
      ),
    );
    expect(results).toEqual(Array.from({ length: 10 }, () => analytics));
    expect(received).toHaveLength(1);
  });

  describe('circuit breaker', () => {
    it('stops calling after failureThreshold failures in a row, until the cooldown ends', async () => {
      behaviour = status(503);
      const log = { info: [] as string[], warn: [] as string[] };
      const resolver = resolverWith({
        failureThreshold: 3,
        cooldownMs: 300,
        log: { info: (m) => log.info.push(m), warn: (m) => log.warn.push(m) },
      });
      for (let i = 1; i <= 3; i++) expect(await resolver.resolve(`192.0.2.${i}`, null)).toBeNull();
      expect(received).toHaveLength(3);
      expect(log.warn).toEqual([
        expect.stringContaining('failing (status 503): not called for 300 ms'),
      ]);

      // Open: null at once, nothing sent.
      behaviour = found;
      const [results, ms] = await timed(() =>
        Promise.all([4, 5, 6, 7, 8].map((i) => resolver.resolve(`192.0.2.${i}`, null))),
      );
      expect(results).toEqual([null, null, null, null, null]);
      expect(ms).toBeLessThan(100);
      expect(received).toHaveLength(3);

      // Half-open after the cooldown: a good trial closes it.
      await sleep(320);
      expect(await resolver.resolve('192.0.2.9', null)).toEqual(analytics);
      expect(log.info).toEqual([expect.stringContaining('answering again')]);
      expect(await resolver.resolve('192.0.2.10', null)).toEqual(analytics);
      expect(received).toHaveLength(5);
    });

    it('counts timeouts, and a success in between starts the count again', async () => {
      const resolver = resolverWith({ failureThreshold: 2, cooldownMs: 10_000, timeoutMs: 50 });
      behaviour = slow(500, found);
      await resolver.resolve('192.0.2.1', null);
      behaviour = found;
      await resolver.resolve('192.0.2.2', null);
      behaviour = slow(500, found);
      await resolver.resolve('192.0.2.3', null);
      behaviour = found;
      expect(await resolver.resolve('192.0.2.4', null)).toEqual(analytics); // still closed
      behaviour = slow(500, found);
      await resolver.resolve('192.0.2.5', null);
      await resolver.resolve('192.0.2.6', null);
      behaviour = found;
      expect(await resolver.resolve('192.0.2.7', null)).toBeNull(); // open
      expect(received).toHaveLength(6);
    });

    it('lets exactly one trial out when half-open; a failed trial opens it again', async () => {
      behaviour = status(500);
      const resolver = resolverWith({ failureThreshold: 2, cooldownMs: 200 });
      await resolver.resolve('192.0.2.1', null);
      await resolver.resolve('192.0.2.2', null);
      expect(received).toHaveLength(2);

      await sleep(220);
      behaviour = slow(100, status(500));
      const results = await Promise.all(
        [3, 4, 5, 6, 7].map((i) => resolver.resolve(`192.0.2.${i}`, null)),
      );
      expect(results).toEqual([null, null, null, null, null]);
      expect(received).toHaveLength(3); // the trial alone

      // The trial failed: open again for a whole cooldown.
      behaviour = found;
      expect(await resolver.resolve('192.0.2.8', null)).toBeNull();
      expect(received).toHaveLength(3);
      await sleep(220);
      behaviour = slow(50, found);
      const [trial, ...others] = await Promise.all(
        [9, 10, 11].map((i) => resolver.resolve(`192.0.2.${i}`, null)),
      );
      expect([trial, ...others]).toEqual([analytics, null, null]);
      expect(received).toHaveLength(4);
      expect(await resolver.resolve('192.0.2.12', null)).toEqual(analytics); // closed
    });
  });

  describe('never throws', () => {
    it('whatever fetch does', async () => {
      const calls: string[] = [];
      const throwing = createHttpResolver({
        url,
        fetch: () => {
          calls.push('sync');
          throw new Error('boom');
        },
      });
      const rejecting = createHttpResolver({
        url,
        fetch: () => {
          calls.push('async');
          return Promise.reject(new TypeError('fetch failed'));
        },
      });
      const hanging = createHttpResolver({
        url,
        timeoutMs: 50,
        fetch: () => {
          calls.push('hang');
          return new Promise<Response>(() => {}); // ignores its signal
        },
      });
      expect(await throwing.resolve('192.0.2.1', null)).toBeNull();
      expect(await rejecting.resolve('192.0.2.1', null)).toBeNull();
      const [identity, ms] = await timed(() => hanging.resolve('192.0.2.1', null));
      expect(identity).toBeNull();
      expect(ms).toBeLessThan(300);
      expect(calls).toEqual(['sync', 'async', 'hang']);
      for (const r of [throwing, rejecting, hanging]) await r.close();
    });

    it('and sends nothing for an address that is not one', async () => {
      const resolver = resolverWith();
      for (const ip of ['', 'unknown', '999.0.0.1', '1.2.3.4, 5.6.7.8']) {
        expect(await resolver.resolve(ip, null)).toBeNull();
      }
      expect(received).toHaveLength(0);
    });
  });

  it('close() ends lookups in flight at once, and every later one is null', async () => {
    behaviour = slow(1_000, found);
    const resolver = resolverWith({ timeoutMs: 5_000 });
    const pending = timed(() => resolver.resolve('192.0.2.1', null));
    await sleep(30);
    await resolver.close();
    const [identity, ms] = await pending;
    expect(identity).toBeNull();
    expect(ms).toBeLessThan(300);
    behaviour = found;
    expect(await resolver.resolve('192.0.2.2', null)).toBeNull();
    expect(received).toHaveLength(1);
  });
});
