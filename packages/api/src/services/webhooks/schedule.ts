import { DEFAULT_WEBHOOK_RETRY_SCHEDULE } from '@allot/domain';

/**
 * The retry schedule: the delay before each attempt of a delivery, in milliseconds. Its length is
 * the number of attempts; the first is 0 because a delivery is due as soon as its event commits.
 */
export type RetrySchedule = readonly number[];

/** `ALLOT_WEBHOOK_RETRY_SCHEDULE`: comma-separated milliseconds, starting with 0. */
export function parseRetrySchedule(text: string | undefined): RetrySchedule {
  if (text === undefined || text.trim() === '') return DEFAULT_WEBHOOK_RETRY_SCHEDULE;
  const parts = text.split(',').map((part) => part.trim());
  if (parts.some((part) => !/^\d{1,10}$/.test(part)))
    throw new Error(`ALLOT_WEBHOOK_RETRY_SCHEDULE must be whole milliseconds, got "${text}"`);
  const delays = parts.map(Number);
  if (delays[0] !== 0)
    throw new Error('ALLOT_WEBHOOK_RETRY_SCHEDULE must start with 0: the first attempt is at once');
  return delays;
}

/** Jitter of up to a tenth either way, so deliveries that failed together do not retry together. */
const JITTER = 0.1;

/**
 * After `attempts` failed attempts, how long until the next one, or null when the schedule is
 * exhausted and the delivery has failed.
 */
export function retryDelay(
  schedule: RetrySchedule,
  attempts: number,
  random: () => number = Math.random,
): number | null {
  const delay = schedule[attempts];
  if (delay === undefined) return null;
  return Math.round(delay * (1 - JITTER + 2 * JITTER * random()));
}
