import { AppError, type ErrorCode, type RuleViolation } from '@allot/domain';
import type { RateVerdict } from './context.ts';

// Services throw these; each transport maps an `AppError` to its response in one place
// (`trpc.ts` for tRPC, `toHttpError` for REST), so no service knows about either.

export const notFound = (what: string) =>
  new AppError('not_found', 'not_found', `${what} not found`);
export const unauthorized = (message: string) =>
  new AppError('unauthorized', 'unauthorized', message);
/** The caller is known but may not do this (a member managing the team, a change without its CSRF token). */
export const forbidden = (code: ErrorCode, message: string) =>
  new AppError('forbidden', code, message);
export const tooManyRequests = (message: string, retryAfterSeconds: number) =>
  new AppError('rate_limited', 'rate_limited', message, { retryAfterSeconds });
/** A call past its bucket's limit; the details let the REST adapter set the rate-limit headers. */
export const rateLimited = (verdict: RateVerdict) =>
  new AppError(
    'rate_limited',
    'rate_limited',
    `Rate limit of ${verdict.limit} requests per minute exceeded; retry in ${verdict.resetSeconds} seconds`,
    { retryAfterSeconds: verdict.resetSeconds, limit: verdict.limit, remaining: 0 },
  );
export const conflict = (code: ErrorCode, message: string, details?: unknown) =>
  new AppError('conflict', code, message, details);
export const badRequest = (code: ErrorCode, message: string) =>
  new AppError('invalid', code, message);
/** Seconds a client is told to wait (`Retry-After`) while the database is unreachable. */
export const DATABASE_RETRY_AFTER_SECONDS = 2;

/** The database could not be reached or dropped the connection: HTTP 503, safe to retry. */
export const databaseUnavailable = (cause: unknown) =>
  new AppError(
    'unavailable',
    'database_unavailable',
    `The database is unavailable; retry in ${DATABASE_RETRY_AFTER_SECONDS} seconds`,
    undefined,
    { cause },
  );

/** A business rule refused the request: HTTP 422. */
export const refused = (violation: RuleViolation) =>
  new AppError('refused', violation.code, violation.message);

/** Unwraps a rule result or throws its violation as a 422. */
export function orRefuse<T>(
  result: { ok: true; value: T } | { ok: false; violation: RuleViolation },
): T {
  if (!result.ok) throw refused(result.violation);
  return result.value;
}
