import type { Identity } from '@allot/domain';

/**
 * Who is behind a visitor's address. Every adapter keeps the same contract, so the pixel's
 * ingest path never has to guard a call:
 * - `resolve` never throws (a failure of the source is "nobody known");
 * - it answers null when nobody is known;
 * - it answers in bounded time (an adapter that calls out enforces its own timeout).
 */
export interface IdentityResolver {
  /**
   * `email`: a hint the page gave (`identify`). With it, the source answers the person that
   * email names if it knows one, else nobody: a made-up email resolves no one.
   */
  resolve(ip: string, userAgent: string | null, email?: string | null): Promise<Identity | null>;
  /** Releases what the adapter holds (requests in flight, caches). Resolving after it is null. */
  close(): Promise<void> | void;
}

/** Where adapters report what an operator should know; pino's logger and `console` both fit. */
export interface IdentityLog {
  info(message: string): void;
  warn(message: string): void;
}

/** A resolver that knows nobody: what runs when no identity source is configured. */
export function createNoIdentityResolver(): IdentityResolver {
  return {
    resolve: () => Promise.resolve(null),
    close: () => {},
  };
}

/**
 * Adapters hand the same identity object to every caller that asks about an address (from an
 * index, from a cache): frozen, so no caller can alter what another is given.
 */
export function freezeIdentity(identity: Identity): Identity {
  if (identity.company) Object.freeze(identity.company);
  if (identity.person) Object.freeze(identity.person);
  return Object.freeze(identity);
}
