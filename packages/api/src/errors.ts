import { TRPCError } from '@trpc/server';
import type { RuleViolation } from '@allot/domain';
import type { RateVerdict } from './context.ts';

/**
 * Carries the machine-readable code (`insufficient_pool_credits`, ...) that REST bodies and
 * tRPC error data expose, beside tRPC's own code that fixes the HTTP status.
 */
export class AppError extends Error {
  constructor(
    readonly appCode: string,
    message: string,
    readonly details?: unknown,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'AppError';
  }
}

type TrpcCode = TRPCError['code'];

const fail = (code: TrpcCode, appCode: string, message: string, details?: unknown) =>
  new TRPCError({ code, message, cause: new AppError(appCode, message, details) });

export const notFound = (what: string) => fail('NOT_FOUND', 'not_found', `${what} not found`);
export const unauthorized = (message: string) => fail('UNAUTHORIZED', 'unauthorized', message);
/** The caller is known but may not do this (a member managing the team, a change without its CSRF token). */
export const forbidden = (appCode: string, message: string) => fail('FORBIDDEN', appCode, message);
export const tooManyRequests = (message: string, retryAfterSeconds: number) =>
  fail('TOO_MANY_REQUESTS', 'rate_limited', message, { retryAfterSeconds });
/** A call past its bucket's limit; the details let the REST adapter set the rate-limit headers. */
export const rateLimited = (verdict: RateVerdict) =>
  fail(
    'TOO_MANY_REQUESTS',
    'rate_limited',
    `Rate limit of ${verdict.limit} requests per minute exceeded; retry in ${verdict.resetSeconds} seconds`,
    { retryAfterSeconds: verdict.resetSeconds, limit: verdict.limit, remaining: 0 },
  );
export const conflict = (appCode: string, message: string, details?: unknown) =>
  fail('CONFLICT', appCode, message, details);
export const badRequest = (appCode: string, message: string) =>
  fail('BAD_REQUEST', appCode, message);
/** Seconds a client is told to wait (`Retry-After`) while the database is unreachable. */
export const DATABASE_RETRY_AFTER_SECONDS = 2;

/** The database could not be reached or dropped the connection: HTTP 503, safe to retry. */
export const databaseUnavailable = (cause: unknown) =>
  new TRPCError({
    code: 'SERVICE_UNAVAILABLE',
    message: `The database is unavailable; retry in ${DATABASE_RETRY_AFTER_SECONDS} seconds`,
    cause: new AppError('database_unavailable', 'The database is unavailable', undefined, {
      cause,
    }),
  });

/** A business rule refused the request: HTTP 422. */
export const refused = (violation: RuleViolation) =>
  fail('UNPROCESSABLE_CONTENT', violation.code, violation.message);

/** The application code for an error, falling back to one derived from tRPC's code. */
export function appCodeOf(error: TRPCError): string {
  if (error.cause instanceof AppError) return error.cause.appCode;
  if (error.code === 'BAD_REQUEST') return 'invalid_request';
  return error.code.toLowerCase();
}

/** What an error adds beyond its message (for example the first response of a non-replayable request). */
export const detailsOf = (error: TRPCError): unknown =>
  error.cause instanceof AppError ? error.cause.details : undefined;

/** Unwraps a rule result or throws its violation as a 422. */
export function orRefuse<T>(
  result: { ok: true; value: T } | { ok: false; violation: RuleViolation },
): T {
  if (!result.ok) throw refused(result.violation);
  return result.value;
}
