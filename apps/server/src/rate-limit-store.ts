import type { FastifyRateLimitStore } from '@fastify/rate-limit';

interface Window {
  count: number;
  endsAt: number;
}

/** Past this many tracked keys, ended windows are swept before adding another. */
const SWEEP_AT = 10_000;

/**
 * `@fastify/rate-limit`'s store, in this process's memory, counting in fixed windows. Unlike the
 * plugin's own LocalStore it answers each increment with the count as of that increment, not a
 * live object that later increments overwrite: the calls of one tRPC batch are counted at the
 * same moment, and each must see its own place in the window.
 */
export class FixedWindowStore implements FastifyRateLimitStore {
  private readonly windows = new Map<string, Window>();
  /**
   * The size that starts the next sweep: twice what the last one left, so that a minute of
   * distinct addresses (each a live window) is swept once as it doubles, not once per address.
   */
  private sweepAt = SWEEP_AT;

  incr(
    key: string,
    callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
    // The plugin passes each limiter's window; a minute is its documented default.
    timeWindow = 60_000,
  ): void {
    const now = Date.now();
    let window = this.windows.get(key);
    if (!window || window.endsAt <= now) {
      if (this.windows.size >= this.sweepAt) {
        for (const [stale, ended] of this.windows)
          if (ended.endsAt <= now) this.windows.delete(stale);
        this.sweepAt = Math.max(SWEEP_AT, 2 * this.windows.size);
      }
      window = { count: 0, endsAt: now + timeWindow };
      this.windows.set(key, window);
    }
    window.count += 1;
    callback(null, { current: window.count, ttl: window.endsAt - now });
  }

  /** The windows it holds: at most twice the live ones, or the first sweep's threshold. */
  get size(): number {
    return this.windows.size;
  }

  /** Each limiter made from the plugin (requests, pixel events) counts in a store of its own. */
  child(): FastifyRateLimitStore {
    return new FixedWindowStore();
  }
}
