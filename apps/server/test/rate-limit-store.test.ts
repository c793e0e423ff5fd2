import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FixedWindowStore } from '../src/rate-limit-store.ts';

const count = (store: FixedWindowStore, key: string, windowMs: number) => {
  let current = 0;
  store.incr(key, (_error, result) => (current = result?.current ?? 0), windowMs);
  return current;
};

describe('the rate-limit store', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('counts each key in its own fixed window, starting again once it ends', () => {
    const store = new FixedWindowStore();
    expect([1, 2, 3].map(() => count(store, 'a', 1_000))).toEqual([1, 2, 3]);
    expect(count(store, 'b', 1_000)).toBe(1);
    vi.advanceTimersByTime(1_000);
    expect(count(store, 'a', 1_000)).toBe(1);
  });

  it('sweeps a minute of distinct addresses a few times as it grows, not once per address', () => {
    const store = new FixedWindowStore();
    // Each sweep walks the store's map once; nothing else iterates a Map in this loop.
    const walks = vi.spyOn(Map.prototype, Symbol.iterator);
    for (let i = 0; i < 40_000; i += 1) count(store, `live-${i}`, 60_000);
    const sweeps = walks.mock.calls.length;
    walks.mockRestore();
    // Past 10,000 it sweeps when it has doubled: at 10,000, 20,000 and 40,000.
    expect(sweeps).toBeLessThanOrEqual(3);
    expect(store.size).toBe(40_000);
  });

  it('drops ended windows at its next sweep, so it holds at most about twice the live ones', () => {
    const store = new FixedWindowStore();
    for (let i = 0; i < 25_000; i += 1) count(store, `first-${i}`, 60_000);
    vi.advanceTimersByTime(60_000);
    for (let i = 0; i < 25_000; i += 1) count(store, `second-${i}`, 60_000);
    // The first minute's 25,000 went at the sweep at 40,000; the second's are all there.
    expect(store.size).toBe(25_000);
    expect(count(store, 'first-0', 60_000)).toBe(1);
    expect(count(store, 'second-0', 60_000)).toBe(2);
  });
});
