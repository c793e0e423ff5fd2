/**
 * Counts failed sign-ins per client address and per email in fixed windows, in this process's
 * memory (like the request rate limits: with N processes, up to N times the limit). Per email
 * stops guessing one account's password from many addresses; per address stops trying many
 * accounts from one. Whether the email exists makes no difference to either.
 */
export interface LoginThrottleOptions {
  /** Failed attempts allowed per email in a window. */
  perEmail?: number;
  /** Failed attempts allowed per client address in a window. */
  perIp?: number;
  windowMs?: number;
}

interface Window {
  failures: number;
  resetAt: number;
}

/** Past this many tracked keys, ended windows are swept before adding another. */
const SWEEP_AT = 10_000;

export class LoginThrottle {
  private readonly windows = new Map<string, Window>();
  private readonly perEmail: number;
  private readonly perIp: number;
  private readonly windowMs: number;

  constructor(options: LoginThrottleOptions = {}) {
    this.perEmail = options.perEmail ?? 5;
    this.perIp = options.perIp ?? 20;
    this.windowMs = options.windowMs ?? 15 * 60 * 1000;
  }

  private keys(email: string, ip: string | undefined) {
    return [
      { key: `email:${email.toLowerCase()}`, limit: this.perEmail },
      { key: `ip:${ip ?? 'unknown'}`, limit: this.perIp },
    ];
  }

  /**
   * Reserves one attempt before the password is checked, or answers the seconds to wait when
   * the email or the address has used up its window. Reserving and counting are one synchronous
   * step, so concurrent attempts cannot all pass the check before any is counted: an attempt
   * counts as failed until it succeeds.
   */
  reserve(email: string, ip: string | undefined, now: number): number {
    let wait = 0;
    const windows = this.keys(email, ip).map(({ key, limit }) => {
      const window = this.windows.get(key);
      const current = window && window.resetAt > now ? window : undefined;
      if (current && current.failures >= limit)
        wait = Math.max(wait, Math.ceil((current.resetAt - now) / 1000));
      return { key, current };
    });
    if (wait > 0) return wait;
    if (this.windows.size >= SWEEP_AT) {
      for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
    }
    for (const { key, current } of windows) {
      if (current) current.failures += 1;
      else this.windows.set(key, { failures: 1, resetAt: now + this.windowMs });
    }
    return 0;
  }

  /**
   * A successful sign-in clears the email's count and gives the address back its reserved
   * attempt (the address's earlier failures stay: it may be guessing others).
   */
  succeeded(email: string, ip: string | undefined, now: number): void {
    this.windows.delete(`email:${email.toLowerCase()}`);
    const window = this.windows.get(`ip:${ip ?? 'unknown'}`);
    if (window && window.resetAt > now && window.failures > 0) window.failures -= 1;
  }
}
