import { appCodeOf, DATABASE_RETRY_AFTER_SECONDS, detailsOf } from '@allot/api';
import { AppError, type ErrorKind } from '@allot/domain';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { ZodError } from 'zod';

export interface ErrorBody {
  /** `requestId` is added to every error body as it is sent (see request-id.ts). */
  error: { code: string; message: string; details?: unknown; requestId?: string };
}

export const errorBody = (code: string, message: string, details?: unknown): ErrorBody => ({
  error: details === undefined ? { code, message } : { code, message, details },
});

/** `Retry-After` and `X-RateLimit-*`: what every 429 says about its limit. */
export function rateLimitHeaders(limit: {
  limit: number;
  remaining: number;
  retryAfterSeconds: number;
}): Record<string, string> {
  return {
    'retry-after': String(limit.retryAfterSeconds),
    'x-ratelimit-limit': String(limit.limit),
    'x-ratelimit-remaining': String(limit.remaining),
    'x-ratelimit-reset': String(limit.retryAfterSeconds),
  };
}

const isRateLimit = (
  details: unknown,
): details is { limit: number; remaining: number; retryAfterSeconds: number } =>
  typeof details === 'object' &&
  details !== null &&
  'limit' in details &&
  'remaining' in details &&
  'retryAfterSeconds' in details;

/** The kinds of refusal a client may retry, as tRPC codes them. */
const RETRY_KINDS: Partial<Record<TRPCError['code'], ErrorKind>> = {
  SERVICE_UNAVAILABLE: 'unavailable',
  TOO_MANY_REQUESTS: 'rate_limited',
};

/**
 * When to retry a refusal: a rate limit's `Retry-After` and `X-RateLimit-*`, or a database outage's
 * `Retry-After`. Both transports send them.
 */
export function retryHeadersOf(error: TRPCError | AppError): Record<string, string> | undefined {
  const kind = error instanceof AppError ? error.kind : RETRY_KINDS[error.code];
  if (kind === 'unavailable') return { 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) };
  const details = error instanceof AppError ? error.details : detailsOf(error);
  return kind === 'rate_limited' && isRateLimit(details) ? rateLimitHeaders(details) : undefined;
}

/** The one REST error shape, from whatever a procedure threw. Anything unexpected is a bare 500. */
export function toHttpError(error: unknown): {
  status: number;
  body: ErrorBody;
  headers?: Record<string, string>;
} {
  // A service called outside a procedure refuses with its own error: the status is its kind's.
  if (error instanceof AppError) {
    const headers = retryHeadersOf(error);
    return {
      status: error.status,
      body: errorBody(error.code, error.message, error.details),
      ...(headers ? { headers } : {}),
    };
  }
  if (error instanceof TRPCError) {
    const status = getHTTPStatusCodeFromError(error);
    if (error.cause instanceof ZodError) {
      return {
        status,
        body: errorBody('invalid_request', 'The request is invalid', error.cause.issues),
      };
    }
    // A 503 (the database is unreachable) says so too: the client should retry.
    if (status < 500 || error.code === 'SERVICE_UNAVAILABLE') {
      const headers = retryHeadersOf(error);
      return {
        status,
        body: errorBody(appCodeOf(error), error.message, detailsOf(error)),
        ...(headers ? { headers } : {}),
      };
    }
  }
  return { status: 500, body: errorBody('internal_error', 'Something went wrong on our side') };
}
