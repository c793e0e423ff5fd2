/**
 * A circuit breaker counting consecutive failures, written out rather than taken from `opossum`:
 * opossum opens on an error percentage over a rolling window (not on N failures in a row), lets
 * every call through while half-open until the first one answers (nodeshift/opossum#819), and
 * its current major (10) requires Node 22. The state machine wanted here is these few lines.
 *
 * closed --failureThreshold consecutive failures--> open --cooldownMs--> half-open (one trial)
 * half-open --trial succeeds--> closed; --trial fails--> open again.
 */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** What `allow` grants: an ordinary call (closed) or the one trial of a half-open breaker. */
export type Permit = 'call' | 'trial';

export interface CircuitBreaker {
  /** Whether a call may go out now, and as what; null while open or while a trial is out. */
  allow(): Permit | null;
  succeeded(permit: Permit): void;
  failed(permit: Permit): void;
  readonly state: BreakerState;
}

export interface CircuitBreakerOptions {
  failureThreshold: number;
  cooldownMs: number;
  now?: () => number;
  onChange?: (state: BreakerState) => void;
}

export function createCircuitBreaker(options: CircuitBreakerOptions): CircuitBreaker {
  const now = options.now ?? (() => performance.now());
  let state: BreakerState = 'closed';
  let failures = 0;
  let openUntil = 0;

  const become = (next: BreakerState) => {
    if (next === state) return;
    state = next;
    options.onChange?.(next);
  };
  const open = () => {
    openUntil = now() + options.cooldownMs;
    become('open');
  };

  return {
    get state() {
      return state;
    },
    allow() {
      if (state === 'closed') return 'call';
      if (state === 'open' && now() >= openUntil) {
        become('half-open');
        return 'trial';
      }
      return null;
    },
    // Outcomes of calls that went out before the breaker opened are ignored while it is not
    // closed: only the trial decides how it leaves half-open.
    succeeded(permit) {
      if (permit === 'trial' || state === 'closed') {
        failures = 0;
        become('closed');
      }
    },
    failed(permit) {
      if (permit === 'trial' && state === 'half-open') {
        open();
      } else if (permit === 'call' && state === 'closed') {
        failures += 1;
        if (failures >= options.failureThreshold) {
          failures = 0;
          open();
        }
      }
    },
  };
}
