import { defined, type Identity } from '@allot/domain';
import { mappedIPv4, parseIPv4, parseIPv6Groups, type CidrRange } from './cidr.ts';
import { IdentityStore, type IdentityStoreOptions } from './identity-store.ts';
import { RangeSet, type IPv4Table, type IPv6Table } from './range-set.ts';

/** Who is behind an address, answered from memory. */
export interface DatasetIndex {
  /** The identity of the most specific range holding `ip`; null for none or a malformed address. */
  lookup(ip: string): Identity | null;
  /** The person an email names (case-insensitively; of the last line naming it), or null. */
  lookupEmail(email: string): Identity | null;
  /** Disjoint intervals the ranges flattened into (IPv4 and IPv6). */
  readonly intervals: number;
  /** Distinct identities held. */
  readonly identities: number;
}

export interface IndexBuilder {
  /**
   * Adds a range, in dataset order. `identity` null (a line naming neither company nor person)
   * marks the range as nobody's, which carves a hole in a wider range around it.
   */
  add(range: CidrRange, identity: Identity | null): void;
  build(): DatasetIndex;
}

/**
 * Collects ranges and builds an index answering in one binary search. Identities are stored once
 * however many ranges name them (the dataset loader feeds the same parts without this wrapper).
 */
export function createIndexBuilder(options: IdentityStoreOptions = {}): IndexBuilder {
  const store = new IdentityStore(options);
  const ranges = new RangeSet();
  let added = 0;
  return {
    add(range, identity) {
      added += 1;
      const id = identity ? store.addIdentity(identity) : -1;
      if (id >= 0) store.seen(id, added);
      ranges.add(range, id);
    },
    build: () => buildIndex(ranges, store),
  };
}

/** The index over the ranges read, answering with the store's identities. */
export function buildIndex(ranges: RangeSet, store: IdentityStore): DatasetIndex {
  store.seal();
  const { v4, v6 } = ranges.build();
  return createIndex(v4, v6, store);
}

/** -1, 0 or 1 as the address in `words` is below, at or above the `i`th bound in `table`. */
function compareWords(words: Uint32Array, table: Uint32Array, i: number): number {
  for (let k = 0; k < 4; k++) {
    const a = defined(words[k], 'an address word');
    const b = defined(table[i * 4 + k], 'a bound word');
    if (a !== b) return a < b ? -1 : 1;
  }
  return 0;
}

function createIndex(v4: IPv4Table, v6: IPv6Table, store: IdentityStore): DatasetIndex {
  /** The last IPv4 interval starting at or before `value`, if `value` lies in it. */
  const find4 = (value: number) => {
    const { starts, ends, ids, blocks } = v4;
    const block = value >>> 16;
    let low = defined(blocks[block], "the block's first interval");
    let high = defined(blocks[block + 1], "the next block's first interval") - 1;
    // Ends at the last interval starting at or before `value`: in the block, or the one before.
    while (low <= high) {
      const mid = (low + high) >>> 1;
      if (defined(starts[mid], 'an interval start') <= value) low = mid + 1;
      else high = mid - 1;
    }
    if (high < 0 || value > defined(ends[high], 'an interval end')) return -1;
    return defined(ids[high], 'an interval identity');
  };
  // Scratch space for the address being looked up (lookups are synchronous: never shared).
  const groups = new Uint16Array(8);
  const words = new Uint32Array(4);
  const find6 = () => {
    for (let k = 0; k < 4; k++) {
      const high = defined(groups[2 * k], 'an address group');
      words[k] = high * 65536 + defined(groups[2 * k + 1], 'an address group');
    }
    const { starts, ends, ids } = v6;
    let low = 0;
    let high = ids.length - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      if (compareWords(words, starts, mid) >= 0) low = mid + 1;
      else high = mid - 1;
    }
    if (high < 0 || compareWords(words, ends, high) > 0) return -1;
    return defined(ids[high], 'an interval identity');
  };

  return {
    intervals: v4.ids.length + v6.ids.length,
    identities: store.size,
    lookup(ip) {
      let id = -1;
      const v4 = parseIPv4(ip);
      if (v4 >= 0) {
        id = find4(v4);
      } else if (parseIPv6Groups(ip, groups)) {
        const mapped = mappedIPv4(groups);
        id = mapped >= 0 ? find4(mapped) : find6();
      }
      return id < 0 ? null : store.identity(id);
    },
    lookupEmail: (email) => store.byEmail(email),
  };
}
