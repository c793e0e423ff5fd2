import { LRUCache } from 'lru-cache';

/** A monotonic clock in milliseconds (`performance`); tests pass their own. */
export interface Perf {
  now: () => number;
}

export interface KeyCacheOptions<V> {
  /** Entries held at most; past it the least recently used goes. */
  max: number;
  /** How long an entry is served from memory, counted from the moment its read began. */
  ttlMs: number;
  /** The id of the row a value was read from: what a change to that row is announced by. */
  idOf: (value: V) => string;
  /** The partner whose row it is: a partner's own change forgets all of its entries. */
  partnerOf: (value: V) => string;
  perf?: Perf;
}

/** The keys of the entries that share one id (or one partner). */
class KeysBy {
  readonly #keys = new Map<string, Set<string>>();

  add(name: string, key: string) {
    const keys = this.#keys.get(name);
    if (keys) keys.add(key);
    else this.#keys.set(name, new Set([key]));
  }

  remove(name: string, key: string) {
    const keys = this.#keys.get(name);
    keys?.delete(key);
    if (keys?.size === 0) this.#keys.delete(name);
  }

  of(name: string): string[] {
    return [...(this.#keys.get(name) ?? [])];
  }

  clear() {
    this.#keys.clear();
  }
}

/**
 * When each id or partner was last forgotten, so that a read which began before a change and
 * ends after it is not stored: it may hold the row as it was. Kept for one TTL, since a read older
 * than that is never stored anyway.
 */
class ForgetLog {
  readonly #at = new Map<string, number>();
  #clearedAt = -Infinity;

  constructor(
    private readonly perf: Perf,
    private readonly ttlMs: number,
  ) {}

  record(name: string) {
    const now = this.perf.now();
    // Re-inserted, so the map stays in time order and the oldest are pruned from its front.
    this.#at.delete(name);
    this.#at.set(name, now);
    for (const [oldest, at] of this.#at) {
      if (now - at <= this.ttlMs) break;
      this.#at.delete(oldest);
    }
  }

  clear() {
    this.#clearedAt = this.perf.now();
    this.#at.clear();
  }

  /** Whether any of `names`, or everything, was forgotten at or after `start`. */
  since(start: number, names: string[]) {
    return (
      this.#clearedAt >= start || names.some((name) => (this.#at.get(name) ?? -Infinity) >= start)
    );
  }
}

/**
 * Rows found by a lookup key (a pixel key, an API key's hash), held in memory for a short TTL
 * and forgotten by the id of their row or by their partner the moment that changes. It serves
 * from memory only while it is `listening`, that is while something tells it of changes; otherwise
 * every lookup reads. A key that finds nothing is never remembered: whoever sends made-up keys
 * cannot fill it, and a made-up key costs the one indexed read it cost before.
 */
export class KeyCache<V extends object> {
  readonly #entries: LRUCache<string, V>;
  readonly #byId = new KeysBy();
  readonly #byPartner = new KeysBy();
  readonly #forgotten: ForgetLog;
  readonly #options: KeyCacheOptions<V>;
  readonly #perf: Perf;
  #listening = false;

  constructor(options: KeyCacheOptions<V>) {
    this.#options = options;
    this.#perf = options.perf ?? performance;
    this.#forgotten = new ForgetLog(this.#perf, options.ttlMs);
    this.#entries = new LRUCache<string, V>({
      max: options.max,
      ttl: options.ttlMs,
      perf: this.#perf,
      // The clock is read on each lookup rather than reused for a millisecond: one read is cheap,
      // and a test's clock moves without waiting.
      ttlResolution: 0,
      // Every way out (evicted, expired, replaced, forgotten) leaves the indexes too.
      dispose: (value, key) => {
        this.#byId.remove(options.idOf(value), key);
        this.#byPartner.remove(options.partnerOf(value), key);
      },
    });
  }

  get listening() {
    return this.#listening;
  }

  /**
   * Starts (true) or stops serving from memory; either way everything held is dropped, since a
   * change may have gone unannounced while nothing listened.
   */
  set listening(listening: boolean) {
    this.#listening = listening;
    this.clear();
  }

  get size() {
    return this.#entries.size;
  }

  /** The value for `key`: from memory while listening, else what `read` finds (then kept). */
  async get(key: string, read: () => Promise<V | undefined>): Promise<V | undefined> {
    if (this.#listening) {
      const held = this.#entries.get(key);
      if (held) return held;
    }
    const start = this.#perf.now();
    const value = await read();
    if (value && this.#storable(value, start)) {
      this.#entries.set(key, value, { start });
      this.#byId.add(this.#options.idOf(value), key);
      this.#byPartner.add(this.#options.partnerOf(value), key);
    }
    return value;
  }

  #storable(value: V, start: number) {
    const { idOf, partnerOf, ttlMs } = this.#options;
    return (
      this.#listening &&
      this.#perf.now() - start < ttlMs &&
      !this.#forgotten.since(start, [`id:${idOf(value)}`, `partner:${partnerOf(value)}`])
    );
  }

  /** Forgets the entries read from these rows. */
  forgetIds(ids: Iterable<string>) {
    for (const id of ids) {
      this.#forgotten.record(`id:${id}`);
      for (const key of this.#byId.of(id)) this.#entries.delete(key);
    }
  }

  /** Forgets every entry of the partner's. */
  forgetPartner(partnerId: string) {
    this.#forgotten.record(`partner:${partnerId}`);
    for (const key of this.#byPartner.of(partnerId)) this.#entries.delete(key);
  }

  /** Forgets everything. */
  clear() {
    this.#forgotten.clear();
    this.#entries.clear();
    this.#byId.clear();
    this.#byPartner.clear();
  }
}
