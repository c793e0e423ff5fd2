import { describe, expect, it } from 'vitest';
import { createCircuitBreaker, type BreakerState } from './breaker.ts';

function breaker(failureThreshold = 3, cooldownMs = 1_000) {
  let time = 0;
  const changes: BreakerState[] = [];
  const b = createCircuitBreaker({
    failureThreshold,
    cooldownMs,
    now: () => time,
    onChange: (state) => changes.push(state),
  });
  return { b, changes, advance: (ms: number) => (time += ms) };
}

describe('createCircuitBreaker', () => {
  it('opens after failureThreshold failures in a row, not after failures with a success between', () => {
    const { b, changes } = breaker();
    b.failed('call');
    b.failed('call');
    b.succeeded('call');
    b.failed('call');
    b.failed('call');
    expect(b.allow()).toBe('call');
    b.failed('call');
    expect(b.state).toBe('open');
    expect(b.allow()).toBeNull();
    expect(changes).toEqual(['open']);
  });

  it('allows one trial after the cooldown; its success closes, its failure reopens', () => {
    const { b, changes, advance } = breaker(1, 1_000);
    b.failed('call');
    advance(999);
    expect(b.allow()).toBeNull();
    advance(1);
    expect(b.allow()).toBe('trial');
    expect(b.allow()).toBeNull(); // one trial at a time
    b.failed('trial');
    expect(b.state).toBe('open');
    advance(500);
    expect(b.allow()).toBeNull(); // a whole new cooldown
    advance(500);
    expect(b.allow()).toBe('trial');
    b.succeeded('trial');
    expect(b.allow()).toBe('call');
    expect(changes).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
  });

  it('ignores calls that went out before it opened', () => {
    const { b, advance } = breaker(1, 1_000);
    b.failed('call');
    b.succeeded('call'); // a straggler: does not close it
    expect(b.state).toBe('open');
    advance(1_000);
    expect(b.allow()).toBe('trial');
    b.failed('call'); // another straggler: the trial decides
    b.succeeded('call');
    expect(b.state).toBe('half-open');
    b.succeeded('trial');
    expect(b.state).toBe('closed');
  });
});
