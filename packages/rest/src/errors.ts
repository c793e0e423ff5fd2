import { appCodeOf, detailsOf } from '@allot/api';
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

/** The one REST error shape, from whatever a procedure threw. Anything unexpected is a bare 500. */
export function toHttpError(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof TRPCError) {
    const status = getHTTPStatusCodeFromError(error);
    if (error.cause instanceof ZodError) {
      return {
        status,
        body: errorBody('invalid_request', 'The request is invalid', error.cause.issues),
      };
    }
    if (status < 500)
      return { status, body: errorBody(appCodeOf(error), error.message, detailsOf(error)) };
  }
  return { status: 500, body: errorBody('internal_error', 'Something went wrong on our side') };
}
