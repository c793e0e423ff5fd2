import type { Db, Tx } from '@allot/db';
import type { LoginThrottle, LoginThrottleOptions } from './services/login-throttle.ts';

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
  /** The admin app's session token, from its cookie. */
  sessionToken?: string | undefined;
  /** The `x-allot-csrf` header: a session's changes must carry its CSRF token there. */
  csrfToken?: string | undefined;
  /** The client's address, for sign-in throttling. */
  ip?: string | undefined;
}

/** Where one call stands against its bucket's limit for the current window. */
export interface RateVerdict {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window ends and the bucket is full again. */
  resetSeconds: number;
}

/**
 * Counts one procedure call against a bucket: the authenticated principal's (an API key's id,
 * a user's id, the operator), or with `null` the client address's. Only the HTTP transports
 * have one; a context without it is not rate limited.
 */
export type ChargeCall = (principal: string | null) => Promise<RateVerdict>;

/** How a procedure sets or clears the session cookie; only the HTTP transport of /trpc has one. */
export interface SessionCookie {
  /** The lifetime is the session's absolute one: the server ends it earlier when idle. */
  set(token: string, maxAgeSeconds: number): void;
  clear(): void;
}

/**
 * What a procedure tells its transport beside its output, so the body's shape stays the contract.
 * The transport owns the object and reads it once the call has answered.
 */
export interface ResponseMeta {
  /** The answer is a stored one (an Idempotency-Key retry): sent as `Idempotent-Replayed: true`. */
  replayed?: boolean;
}

/**
 * What the HTTP transport adds to a request's context: its id for errors, its response meta, and
 * how its calls count against the rate limits.
 */
export interface RequestTrace {
  requestId?: string | undefined;
  response?: ResponseMeta | undefined;
  chargeCall?: ChargeCall | undefined;
}

/**
 * The inner tRPC context: no HTTP in it, so tests and the REST adapter build it the same way.
 */
export interface Context extends ServiceContext, RequestTrace {
  credentials: Credentials;
  /** sha256 of the operator token, or null when no operator access is configured. */
  operatorTokenHash: Buffer | null;
  /** Failed sign-ins per email and address, shared by every request to this deployment. */
  loginThrottle: LoginThrottle;
  sessionCookie?: SessionCookie | undefined;
}

export interface ContextOptions {
  db: Db;
  publicUrl: string;
  operatorToken: string | null;
  clock?: Clock;
  allowHttpWebhooks?: boolean;
  loginThrottle?: LoginThrottleOptions;
}

export type ContextFactory = (
  credentials: Credentials,
  sessionCookie?: SessionCookie,
  trace?: RequestTrace,
) => Context;

type HeaderValue = string | string[] | undefined;

const single = (value: HeaderValue) => (Array.isArray(value) ? value[0] : value);

/** The admin app's session cookie. */
export const SESSION_COOKIE = 'allot_session';
export const CSRF_HEADER = 'x-allot-csrf';

/** One cookie's value from a Cookie header. */
function cookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}

/** The credentials both HTTP transports read: the same headers on /trpc and on REST. */
export function credentialsFromHeaders(headers: Record<string, HeaderValue>): Credentials {
  const authorization = single(headers.authorization);
  const bearer = authorization?.match(/^Bearer\s+(.+)$/i)?.[1];
  return {
    apiKey: single(headers['x-partner-api-key']),
    operatorToken: bearer,
    idempotencyKey: single(headers['idempotency-key']),
    sessionToken: cookie(single(headers.cookie), SESSION_COOKIE),
    csrfToken: single(headers[CSRF_HEADER]),
  };
}
