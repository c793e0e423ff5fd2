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
  };
}
