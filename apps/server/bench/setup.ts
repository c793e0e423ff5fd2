import type { Clock, IdentityResolver } from '@allot/api';
import { createDb, migrateToLatest, useEmbeddedPostgres, withDatabase } from '@allot/db';
import { defined, type BillingMode } from '@allot/domain';
import { sql } from 'kysely';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServer, type ServerOptions } from '../src/app.ts';

export interface BenchOptions {
  /** The partner's billing mode; credit_pool unless told. */
  billingMode?: BillingMode;
  /** The server's clock (a bench moves it forward to cross period boundaries). */
  clock?: Clock;
  /** Who the pixel's visitors are; nobody unless told. */
  identity?: IdentityResolver;
  /** Take the client address from X-Forwarded-For, as behind a proxy on the loopback. */
  trustProxy?: boolean;
  /** Keep the pixel's rate limits per address and per key as a deployment has them by default. */
  defaultPixelLimits?: boolean;
  /** Fastify's logger; none unless told (a server in a process of its own logs to stderr). */
  logger?: ServerOptions['logger'];
}

/**
 * A fresh embedded PostgreSQL, the real server on a random loopback port, and one partner
 * (credit_pool unless told, monthly) to measure with.
 */
export async function startBench(poolCredits: number, options: BenchOptions = {}) {
  const operatorToken = randomBytes(16).toString('hex');
  const dir = await mkdtemp(join(tmpdir(), 'allot-bench-'));
  await chmod(dir, 0o755);
  const server = await useEmbeddedPostgres(dir);
  const admin = createDb({ url: server.url, max: 1 });
  await sql`CREATE DATABASE allot_bench`.execute(admin);
  const databaseUrl = withDatabase(server.url, 'allot_bench');
  const db = createDb({ url: databaseUrl, max: 10 });
  await migrateToLatest(db);

  const app = await buildServer({
    db,
    databaseUrl,
    publicUrl: 'http://localhost',
    operatorToken,
    rateLimitPerMinute: 1_000_000,
    ...(options.defaultPixelLimits
      ? {}
      : { pixelRateLimitPerIp: 100_000_000, pixelRateLimitPerKey: 100_000_000 }),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.identity ? { identity: options.identity } : {}),
    ...(options.trustProxy ? { trustProxy: ['127.0.0.1'] } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const base = `${origin}/api/v1`;

  const created = (await (
    await fetch(`${base}/operator/partners`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operatorToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'Bench',
        billingMode: options.billingMode ?? 'credit_pool',
        billingPeriod: 'monthly',
        poolCredits,
      }),
    })
  ).json()) as { partner: { id: string }; apiKey: string };

  /** One sequential request; its latency in milliseconds. */
  async function timeRequest(path: string): Promise<number> {
    const start = performance.now();
    const response = await fetch(`${base}${path}`, {
      headers: { 'x-partner-api-key': created.apiKey },
    });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`${path}: ${response.status}`);
    return performance.now() - start;
  }

  return {
    db,
    databaseUrl,
    origin,
    base,
    apiKey: created.apiKey,
    partnerId: created.partner.id,
    timeRequest,
    close: async () => {
      await app.close();
      await db.destroy();
      await sql`DROP DATABASE allot_bench WITH (FORCE)`.execute(admin);
      await admin.destroy();
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The value `share` of the way up the sorted samples (0.5 the median); samples must exist. */
export const percentile = (values: number[], share: number) =>
  defined([...values].sort((a, b) => a - b)[Math.floor(values.length * share)], 'a sample');

export const median = (values: number[]) => percentile(values, 0.5);

export const p95 = (values: number[]) => percentile(values, 0.95);

/** `items` starting `shift` places further on, wrapping: each round runs the cases in another order. */
export function rotated<T>(items: readonly T[], shift: number): T[] {
  const start = items.length === 0 ? 0 : shift % items.length;
  return [...items.slice(start), ...items.slice(0, start)];
}
