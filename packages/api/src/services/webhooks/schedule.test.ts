import { DEFAULT_WEBHOOK_RETRY_SCHEDULE } from '@allot/domain';
import { describe, expect, it } from 'vitest';
import { parseRetrySchedule, retryDelay } from './schedule.ts';

describe('the retry schedule', () => {
  it('is at once, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h by default: eight attempts over a day', () => {
    expect(parseRetrySchedule(undefined)).toBe(DEFAULT_WEBHOOK_RETRY_SCHEDULE);
    const hours = DEFAULT_WEBHOOK_RETRY_SCHEDULE.reduce((sum, ms) => sum + ms, 0) / 3_600_000;
    expect(DEFAULT_WEBHOOK_RETRY_SCHEDULE).toHaveLength(8);
    expect(hours).toBeGreaterThan(24);
    expect(hours).toBeLessThan(30);
  });

  it('reads ALLOT_WEBHOOK_RETRY_SCHEDULE, which must start at 0', () => {
    expect(parseRetrySchedule('0, 200,200')).toEqual([0, 200, 200]);
    expect(() => parseRetrySchedule('5,200')).toThrow(/start with 0/);
    expect(() => parseRetrySchedule('0,-1')).toThrow(/whole milliseconds/);
    expect(() => parseRetrySchedule('0,1.5')).toThrow(/whole milliseconds/);
    expect(() => parseRetrySchedule('0,,5')).toThrow(/whole milliseconds/);
  });

  it('jitters each delay by up to a tenth and ends after the last attempt', () => {
    const schedule = [0, 1_000, 10_000];
    expect(retryDelay(schedule, 1, () => 0)).toBe(900);
    expect(retryDelay(schedule, 1, () => 1)).toBe(1_100);
    expect(retryDelay(schedule, 2, () => 0.5)).toBe(10_000);
    expect(retryDelay(schedule, 3)).toBeNull();
  });
});
