import { toTRPCError } from '@allot/api';
import { AppError } from '@allot/domain';
import { describe, expect, it } from 'vitest';
import { toHttpError } from './errors.ts';

const limit = { retryAfterSeconds: 7, limit: 60, remaining: 0 };

describe('toHttpError', () => {
  it('answers an AppError that reaches it directly as it answers the same error from a procedure', () => {
    for (const error of [
      new AppError('rate_limited', 'rate_limited', 'Slow down', limit),
      new AppError('unavailable', 'database_unavailable', 'The database is unavailable'),
      new AppError('refused', 'trial_cap_exceeded', 'At most 500'),
      new AppError('not_found', 'not_found', 'Organization not found'),
    ]) {
      expect(toHttpError(error)).toEqual(toHttpError(toTRPCError(error)));
    }
    expect(toHttpError(new AppError('rate_limited', 'rate_limited', 'Slow down', limit))).toEqual({
      status: 429,
      body: { error: { code: 'rate_limited', message: 'Slow down', details: limit } },
      headers: {
        'retry-after': '7',
        'x-ratelimit-limit': '60',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': '7',
      },
    });
  });
});
