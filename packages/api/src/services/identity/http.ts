import { identitySchema, type Identity } from '@allot/domain';
import { LRUCache } from 'lru-cache';
import { createCircuitBreaker, type Permit } from './breaker.ts';
import { formatIp, parseIp } from './cidr.ts';
import { freezeIdentity, type IdentityLog, type IdentityResolver } from './resolver.ts';

export interface HttpResolverOptions {
  /**
   * Receives `POST {ip, userAgent}`, with `email` when the page gave one (`identify`); answers
   * 200 `{company?, person?}`, or 404/204 for nobody.
   */
  url: string;
  /** Per call, body included. Default 300 ms: identification sits on the pixel's ingest path. */
  timeoutMs?: number;
  /** How long an answer (including "nobody") is reused. Default 10 minutes. */
  cacheTtlMs?: number;
  /** Addresses remembered. Default 10,000; 0 turns the cache off. */
  cacheSize?: number;
  /** Consecutive failures that open the circuit. Default 5. */
  failureThreshold?: number;
  /** How long an open circuit answers null without calling. Default 30 s. */
  cooldownMs?: number;
  /** Defaults to the global fetch; tests and proxies may pass their own. */
  fetch?: typeof fetch;
  log?: IdentityLog;
}

/** What one call to the service came to. */
type Outcome = { answered: true; identity: Identity | null } | { answered: false; reason: string };

/**
 * An IdentityResolver calling an identity service over HTTP.
 *
 * - Answers (an identity, or 404/204 for nobody) are cached per address, so a visitor's every
 *   page view does not become a call. The cache is keyed by the address and the email hint, if
 *   any: the user agent is sent as a hint, but who is behind an address does not change from one
 *   browser to the next.
 * - Concurrent lookups of one address share one request.
 * - Anything else (a network error, the timeout, a status other than 200/204/404, a 200 whose
 *   body is not an identity) is a failure: null, not cached, and counted by a circuit breaker
 *   that stops calling a failing service for `cooldownMs`, so ingest does not wait out the
 *   timeout on every event while it is down.
 */
export function createHttpResolver(options: HttpResolverOptions): IdentityResolver {
  const timeoutMs = options.timeoutMs ?? 300;
  const cacheTtlMs = options.cacheTtlMs ?? 10 * 60_000;
  const cacheSize = options.cacheSize ?? 10_000;
  const cooldownMs = options.cooldownMs ?? 30_000;
  const doFetch = options.fetch ?? fetch;
  const log = options.log;

  // lru-cache does not hold null, so answers are boxed.
  const cache =
    cacheSize > 0 && cacheTtlMs > 0
      ? new LRUCache<string, { identity: Identity | null }>({ max: cacheSize, ttl: cacheTtlMs })
      : null;
  const inFlight = new Map<string, Promise<Identity | null>>();
  const closing = new AbortController();
  let lastFailure = '';
  const breaker = createCircuitBreaker({
    failureThreshold: options.failureThreshold ?? 5,
    cooldownMs,
    onChange: (state) => {
      if (state === 'open') {
        log?.warn(
          `identity service ${options.url} failing (${lastFailure}): not called for ${cooldownMs} ms`,
        );
      } else if (state === 'closed') {
        log?.info(`identity service ${options.url} answering again`);
      }
    },
  });

  async function call(
    ip: string,
    userAgent: string | null,
    email: string | null,
  ): Promise<Outcome> {
    const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs), closing.signal]);
    const request = async (): Promise<Outcome> => {
      const response = await doFetch(options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ ip, userAgent, ...(email && { email }) }),
        signal,
      });
      if (response.status === 404 || response.status === 204) {
        await response.body?.cancel();
        return { answered: true, identity: null };
      }
      if (response.status !== 200) {
        await response.body?.cancel();
        return { answered: false, reason: `status ${response.status}` };
      }
      const parsed = identitySchema.safeParse(await response.json());
      if (!parsed.success) return { answered: false, reason: 'a body that is not an identity' };
      const { company, person } = parsed.data;
      if (!company && !person) return { answered: true, identity: null };
      return {
        answered: true,
        identity: freezeIdentity({ ...(company && { company }), ...(person && { person }) }),
      };
    };
    try {
      // Raced against the signal too, so a fetch that ignores it cannot outlast the timeout.
      return await Promise.race([request(), rejectOnAbort(signal)]);
    } catch (error) {
      return { answered: false, reason: (error as Error)?.message ?? String(error) };
    }
  }

  async function lookup(
    key: string,
    ask: { ip: string; userAgent: string | null; email: string | null },
    permit: Permit,
  ) {
    const outcome = await call(ask.ip, ask.userAgent, ask.email);
    if (closing.signal.aborted) return null;
    if (outcome.answered) {
      breaker.succeeded(permit);
      cache?.set(key, { identity: outcome.identity });
      return outcome.identity;
    }
    lastFailure = outcome.reason;
    breaker.failed(permit);
    return null;
  }

  return {
    async resolve(ip, userAgent, email) {
      try {
        if (closing.signal.aborted) return null;
        const address = parseIp(ip);
        if (!address) return null; // nothing worth asking about
        // One spelling per address (::ffff:1.2.3.4 is 1.2.3.4), and per email hint: the answer
        // is cached for what was asked.
        const ipKey = formatIp(address);
        const hint = email ? email.toLowerCase() : null;
        const key = hint ? `${ipKey} ${hint}` : ipKey;
        const cached = cache?.get(key);
        if (cached) return cached.identity;
        const pending = inFlight.get(key);
        if (pending) return await pending;
        const permit = breaker.allow();
        if (!permit) return null;
        const promise = lookup(key, { ip: ipKey, userAgent, email: hint }, permit).finally(() => {
          if (inFlight.get(key) === promise) inFlight.delete(key);
        });
        inFlight.set(key, promise);
        return await promise;
      } catch {
        return null; // the contract: never throws
      }
    },
    close() {
      closing.abort(new Error('identity resolver closed'));
      inFlight.clear();
      cache?.clear();
    },
  };
}

function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason as Error);
    else signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
  });
}
