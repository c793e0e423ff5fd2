import { AppError, type ErrorKind } from '@allot/domain';
import { TRPCError } from '@trpc/server';

/** The tRPC code of each error kind: the one whose HTTP status is the kind's (a test holds them equal). */
export const TRPC_CODE_OF_KIND = {
  invalid: 'BAD_REQUEST',
  unauthorized: 'UNAUTHORIZED',
  forbidden: 'FORBIDDEN',
  not_found: 'NOT_FOUND',
  conflict: 'CONFLICT',
  refused: 'UNPROCESSABLE_CONTENT',
  rate_limited: 'TOO_MANY_REQUESTS',
  unavailable: 'SERVICE_UNAVAILABLE',
} as const satisfies Record<ErrorKind, TRPCError['code']>;

/** A service's refusal as tRPC reports it; the AppError stays its cause for the formatter. */
export const toTRPCError = (error: AppError) =>
  new TRPCError({ code: TRPC_CODE_OF_KIND[error.kind], message: error.message, cause: error });

/** The application code for an error, falling back to one derived from tRPC's code. */
export function appCodeOf(error: TRPCError): string {
  if (error.cause instanceof AppError) return error.cause.code;
  if (error.code === 'BAD_REQUEST') return 'invalid_request';
  return error.code.toLowerCase();
}

/** What an error adds beyond its message (for example the first response of a non-replayable request). */
export const detailsOf = (error: TRPCError): unknown =>
  error.cause instanceof AppError ? error.cause.details : undefined;
