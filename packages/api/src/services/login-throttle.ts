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

  /** Seconds to wait before another attempt, or 0 when one may be made now. */
  retryAfter(email: string, ip: string | undefined, now: number): number {
    let wait = 0;
    for (const { key, limit } of this.keys(email, ip)) {
      const window = this.windows.get(key);
      if (window && window.resetAt > now && window.failures >= limit)
        wait = Math.max(wait, Math.ceil((window.resetAt - now) / 1000));
    }
    return wait;
  }

  failed(email: string, ip: string | undefined, now: number): void {
    if (this.windows.size >= SWEEP_AT) {
      for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
    }
    for (const { key } of this.keys(email, ip)) {
      const window = this.windows.get(key);
      if (!window || window.resetAt <= now)
        this.windows.set(key, { failures: 1, resetAt: now + this.windowMs });
      else window.failures += 1;
    }
  }

  /** A successful sign-in clears the email's count (the address's stays: it may be guessing others). */
  succeeded(email: string): void {
    this.windows.delete(`email:${email.toLowerCase()}`);
  }
}
