import type { Db, Tx } from '@allot/db';

/** Every service reads the time from here, so tests can move through periods without sleeping. */
export type Clock = () => Date;

/** What a service needs: the database (or the caller's transaction), the clock, the public URL. */
export interface ServiceContext {
  db: Db | Tx;
  clock: Clock;
  /** Where clients reach this deployment; the pixel's script tag points here. */
  publicUrl: string;
  /** `ALLOT_ALLOW_HTTP_WEBHOOKS`: webhook URLs may be http to localhost, or private addresses. */
  allowHttpWebhooks: boolean;
}

/** What the caller presented. The transports fill it from headers; tests fill it directly. */
export interface Credentials {
  apiKey?: string | undefined;
  operatorToken?: string | undefined;
  idempotencyKey?: string | undefined;
}

/**
 * The inner tRPC context: no HTTP in it, so tests and the REST adapter build it the same way.
 */
export interface Context extends ServiceContext {
  credentials: Credentials;
  /** sha256 of the operator token, or null when no operator access is configured. */
  operatorTokenHash: Buffer | null;
}

export interface ContextOptions {
  db: Db;
  publicUrl: string;
  operatorToken: string | null;
  clock?: Clock;
  allowHttpWebhooks?: boolean;
}

export type ContextFactory = (credentials: Credentials) => Context;

type HeaderValue = string | string[] | undefined;

const single = (value: HeaderValue) => (Array.isArray(value) ? value[0] : value);

/** The credentials both HTTP transports read: the same headers on /trpc and on REST. */
export function credentialsFromHeaders(headers: Record<string, HeaderValue>): Credentials {
  const authorization = single(headers.authorization);
  const bearer = authorization?.match(/^Bearer\s+(.+)$/i)?.[1];
  return {
    apiKey: single(headers['x-partner-api-key']),
    operatorToken: bearer,
    idempotencyKey: single(headers['idempotency-key']),
  };
}
