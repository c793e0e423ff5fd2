import { AppError, ERROR_STATUS, type ErrorKind } from '@allot/domain';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { describe, expect, it } from 'vitest';
import { appCodeOf, detailsOf, toTRPCError } from './trpc-errors.ts';

describe('toTRPCError', () => {
  it.each(Object.keys(ERROR_STATUS) as ErrorKind[])(
    'answers a %s error with the status of its kind, its code and details',
    (kind) => {
      const error = toTRPCError(new AppError(kind, 'not_found', 'Nothing here', { why: kind }));
      expect(getHTTPStatusCodeFromError(error)).toBe(ERROR_STATUS[kind]);
      expect(error.message).toBe('Nothing here');
      expect(appCodeOf(error)).toBe('not_found');
      expect(detailsOf(error)).toEqual({ why: kind });
    },
  );
});
