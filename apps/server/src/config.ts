import { webhooks } from '@allot/api';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Every setting the server reads, from the environment (the README's configuration table). */
export interface Config {
  port: number;
  host: string;
  /** Where clients reach this deployment (script tags, OpenAPI servers). */
  publicUrl: string;
  /** Any PostgreSQL >= 15; without it, an embedded PostgreSQL under `dataDir`. */
  databaseUrl: string | undefined;
  databasePoolSize: number;
  dataDir: string;
  operatorToken: string | undefined;
  logLevel: string;
  rateLimitPerMinute: number;
  /** Run the job worker inside this process (`ALLOT_WORKER=off` leaves it to `pnpm worker`). */
  worker: boolean;
  /** Which proxies' X-Forwarded-For to believe (addresses or CIDRs); none by default. */
  trustProxy: string[] | false;
  /** Identity source: a JSON Lines dataset, unless `identityUrl` names an enrichment service. */
  identityDataset: string;
  identityUrl: string | undefined;
  identityTimeoutMs: number;
  /** Accepted pixel events per minute per pixel key; any events per client address. */
  pixelRateLimitPerKey: number;
  pixelRateLimitPerIp: number;
  /** Webhooks may go over http to localhost and to private addresses (development and tests). */
  allowHttpWebhooks: boolean;
  /** The delay before each attempt of a webhook delivery, in ms; the first is 0. */
  webhookRetrySchedule: readonly number[];
  webhookTimeoutMs: number;
  /** The built admin app served at `/`. */
  adminDir: string;
}

/**
 * `ALLOT_TRUST_PROXY=127.0.0.1,10.0.0.0/8`: the proxies in front of the server (`loopback`,
 * `uniquelocal` work too). The client IP is then the last X-Forwarded-For address they did not add.
 */
function trustProxy(value: string | undefined): Config['trustProxy'] {
  if (value === undefined || value.trim() === '') return false;
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}

function integer(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0)
    throw new Error(`${name} must be a whole number, got "${value}"`);
  return parsed;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = integer('PORT', env.PORT, 3000);
  return {
    port,
    host: env.HOST || '127.0.0.1',
    publicUrl: (env.ALLOT_PUBLIC_URL || `http://localhost:${port}`).replace(/\/$/, ''),
    databaseUrl: env.DATABASE_URL || undefined,
    databasePoolSize: integer('DATABASE_POOL_SIZE', env.DATABASE_POOL_SIZE, 10),
    dataDir: resolve(env.ALLOT_DATA_DIR || join(repoRoot, '.allot')),
    operatorToken: env.ALLOT_OPERATOR_TOKEN || undefined,
    logLevel: env.LOG_LEVEL || 'info',
    rateLimitPerMinute: integer(
      'ALLOT_RATE_LIMIT_PER_MINUTE',
      env.ALLOT_RATE_LIMIT_PER_MINUTE,
      3000,
    ),
    worker: (env.ALLOT_WORKER ?? 'on') !== 'off',
    trustProxy: trustProxy(env.ALLOT_TRUST_PROXY),
    identityDataset: resolve(
      env.ALLOT_IDENTITY_DATASET || join(repoRoot, 'apps/server/data/demo-identities.jsonl'),
    ),
    identityUrl: env.ALLOT_IDENTITY_URL || undefined,
    identityTimeoutMs: integer('ALLOT_IDENTITY_TIMEOUT_MS', env.ALLOT_IDENTITY_TIMEOUT_MS, 300),
    pixelRateLimitPerKey: integer(
      'ALLOT_PIXEL_RATE_LIMIT_PER_KEY',
      env.ALLOT_PIXEL_RATE_LIMIT_PER_KEY,
      6000,
    ),
    pixelRateLimitPerIp: integer(
      'ALLOT_PIXEL_RATE_LIMIT_PER_IP',
      env.ALLOT_PIXEL_RATE_LIMIT_PER_IP,
      300,
    ),
    allowHttpWebhooks: env.ALLOT_ALLOW_HTTP_WEBHOOKS === '1',
    webhookRetrySchedule: webhooks.parseRetrySchedule(env.ALLOT_WEBHOOK_RETRY_SCHEDULE),
    webhookTimeoutMs: webhookTimeout(env.ALLOT_WEBHOOK_TIMEOUT_MS),
    adminDir: resolve(env.ALLOT_ADMIN_DIR || join(repoRoot, 'apps/admin/dist')),
  };
}

/** At least 100 ms: a zero timeout would fail every attempt and disable every endpoint. */
function webhookTimeout(value: string | undefined): number {
  const ms = integer('ALLOT_WEBHOOK_TIMEOUT_MS', value, 10_000);
  if (ms < 100) throw new Error(`ALLOT_WEBHOOK_TIMEOUT_MS must be at least 100, got "${value}"`);
  return ms;
}
