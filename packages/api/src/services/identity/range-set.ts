import { defined } from '@allot/domain';
import type { CidrRange } from './cidr.ts';
import { int32Column, uint32Column, uint8Column } from './columns.ts';
import { sortColumns } from './radix-sort.ts';

/** IPv4 intervals, disjoint and sorted by start, with the identity (record) each answers. */
export interface IPv4Table {
  starts: Uint32Array;
  ends: Uint32Array;
  ids: Int32Array;
  /**
   * For each /16 block b, the first interval starting in or after it: an address in b is held by
   * an interval from blocks[b] - 1 to blocks[b + 1] - 1. The binary search then runs over a
   * block's few intervals, a cache line or two, instead of across megabytes of them.
   */
  blocks: Uint32Array;
}

/** IPv6 bounds as four 32-bit words each (most significant first): no BigInt on the lookup path. */
export interface IPv6Table {
  starts: Uint32Array;
  ends: Uint32Array;
  ids: Int32Array;
}

const M32 = 0xffffffffn;
/** The size of an IPv4 range by its prefix (2^32 is exact in a double). */
const IPV4_SIZES = Float64Array.from({ length: 33 }, (_, prefix) => 2 ** (32 - prefix));
const IPV6_HOST_MASKS = Array.from(
  { length: 129 },
  (_, prefix) => (1n << BigInt(128 - prefix)) - 1n,
);

/**
 * The ranges of a dataset as they are read, in columns of numbers per family (IPv6 addresses as
 * four 32-bit words), then flattened into lookup tables: sorted, and swept into disjoint
 * intervals each carrying the identity of the most specific range over it (the longest prefix;
 * of equal ranges, the one added last, i.e. the later line). `id` -1 is nobody's range, which
 * carves a hole in a wider one around it.
 */
export class RangeSet {
  private readonly v4Starts = uint32Column();
  private readonly v4Prefixes = uint8Column();
  private readonly v4Ids = int32Column();
  /** IPv6 network addresses as 32-bit words, the most significant first. */
  private readonly v6Words = [
    uint32Column(),
    uint32Column(),
    uint32Column(),
    uint32Column(),
  ] as const;
  private readonly v6Prefixes = uint8Column();
  private readonly v6Ids = int32Column();

  addIPv4(start: number, prefix: number, id: number): void {
    this.v4Starts.push(start);
    this.v4Prefixes.push(prefix);
    this.v4Ids.push(id);
  }

  addIPv6(start: bigint, prefix: number, id: number): void {
    this.v6Words.forEach((words, k) => words.push(Number((start >> BigInt(96 - 32 * k)) & M32)));
    this.v6Prefixes.push(prefix);
    this.v6Ids.push(id);
  }

  add(range: CidrRange, id: number): void {
    if (range.family === 4) this.addIPv4(range.start, range.prefix, id);
    else this.addIPv6(range.start, range.prefix, id);
  }

  build(): { v4: IPv4Table; v6: IPv6Table } {
    return { v4: this.buildIPv4(), v6: this.buildIPv6() };
  }

  private buildIPv4(): IPv4Table {
    const count = this.v4Ids.length;
    // By start, then the wider first, then (the sort is stable) dataset order.
    const [starts, prefixes, ids] = sortColumns(
      count,
      [this.v4Starts.array, this.v4Prefixes.array, this.v4Ids.array],
      [
        { column: 1, bits: 6 },
        { column: 0, bits: 32 },
      ],
    );
    this.v4Starts.clear();
    this.v4Prefixes.clear();
    this.v4Ids.clear();

    const outStarts = uint32Column();
    const outEnds = uint32Column();
    const outIds = int32Column();
    const start = (k: number) => defined(starts[k], 'a range start');
    const prefix = (k: number) => defined(prefixes[k], 'a range prefix');
    sweep<number>({
      count,
      start,
      end: (k) => start(k) + defined(IPV4_SIZES[prefix(k)], 'a range size') - 1,
      id: (k) => defined(ids[k], 'a range identity'),
      same: (a, b) => starts[a] === starts[b] && prefixes[a] === prefixes[b],
      compare: (a, b) => a - b,
      next: (a) => a + 1,
      previous: (a) => a - 1,
      emit(id, from, to) {
        outStarts.push(from);
        outEnds.push(to);
        outIds.push(id);
      },
    });
    const tableStarts = outStarts.trimmed();
    const blocks = new Uint32Array(65_537);
    for (let block = 0, i = 0; block <= 65_536; block++) {
      while (
        i < tableStarts.length &&
        defined(tableStarts[i], 'an interval start') < block * 65_536
      )
        i++;
      blocks[block] = i;
    }
    return { starts: tableStarts, ends: outEnds.trimmed(), ids: outIds.trimmed(), blocks };
  }

  private buildIPv6(): IPv6Table {
    const count = this.v6Ids.length;
    const [a, b, c, d] = this.v6Words;
    const [w0, w1, w2, w3, prefixes, ids] = sortColumns(
      count,
      [a.array, b.array, c.array, d.array, this.v6Prefixes.array, this.v6Ids.array],
      [{ column: 4, bits: 8 }, ...[3, 2, 1, 0].map((column) => ({ column, bits: 32 }))],
    );
    for (const words of this.v6Words) words.clear();
    this.v6Prefixes.clear();
    this.v6Ids.clear();
    const words = [w0, w1, w2, w3];

    const out = { starts: [] as bigint[], ends: [] as bigint[], ids: int32Column() };
    const word = (k: number, w: number) => BigInt(defined(words[w]?.[k], 'an address word'));
    const start = (k: number) =>
      (word(k, 0) << 96n) | (word(k, 1) << 64n) | (word(k, 2) << 32n) | word(k, 3);
    sweep<bigint>({
      count,
      start,
      end: (k) =>
        start(k) | defined(IPV6_HOST_MASKS[defined(prefixes[k], 'a prefix')], 'a host mask'),
      id: (k) => defined(ids[k], 'a range identity'),
      same: (a, b) =>
        prefixes[a] === prefixes[b] && words.every((column) => column[a] === column[b]),
      compare: (a, b) => (a < b ? -1 : a > b ? 1 : 0),
      next: (a) => a + 1n,
      previous: (a) => a - 1n,
      emit(id, from, to) {
        out.starts.push(from);
        out.ends.push(to);
        out.ids.push(id);
      },
    });
    return { starts: toWords(out.starts), ends: toWords(out.ends), ids: out.ids.trimmed() };
  }
}

const toWords = (values: bigint[]) => {
  const words = new Uint32Array(values.length * 4);
  values.forEach((value, i) => {
    for (let k = 0; k < 4; k++) words[i * 4 + k] = Number((value >> BigInt(96 - 32 * k)) & M32);
  });
  return words;
};

/**
 * One family's ranges in sweep order (by start, then the wider first, so it encloses the
 * narrower, then dataset order), by position in that order, and what the sweep needs of them.
 */
interface Sweep<T> {
  count: number;
  start(k: number): T;
  end(k: number): T;
  id(k: number): number;
  /** Whether the ranges at two positions are the same range. */
  same(a: number, b: number): boolean;
  compare: (a: T, b: T) => number;
  next: (a: T) => T;
  previous: (a: T) => T;
  /** Receives the disjoint intervals in ascending order, neighbours of one identity merged. */
  emit(id: number, start: T, end: T): void;
}

/**
 * Sweeps one family's sorted ranges into disjoint intervals. CIDR ranges never partly overlap
 * (two are nested or apart), so a stack of the ranges enclosing the sweep position knows the
 * most specific one at every point.
 */
function sweep<T>(s: Sweep<T>): void {
  const { count, compare, next, previous } = s;
  if (count === 0) return;
  // The interval being grown, held back until the next one shows it cannot grow further.
  let heldId = -1;
  let heldStart = s.start(0);
  let heldEnd = heldStart;
  const emit = (id: number, start: T, end: T) => {
    if (id < 0) return; // nobody's: leave a gap
    if (id === heldId && compare(next(heldEnd), start) === 0) {
      heldEnd = end; // the same identity continues: one interval
      return;
    }
    if (heldId >= 0) s.emit(heldId, heldStart, heldEnd);
    [heldId, heldStart, heldEnd] = [id, start, end];
  };

  const stack: number[] = [];
  let cursor = heldStart; // the first address not yet emitted
  /** Emits what is left of the innermost range, up to its end, and leaves it. */
  const close = (top: number) => {
    const end = s.end(top);
    if (compare(cursor, end) <= 0) {
      emit(s.id(top), cursor, end);
      cursor = next(end);
    }
  };
  for (let r = 0; r < count; r++) {
    // The same range again later in the file: only the last of them counts.
    if (r + 1 < count && s.same(r + 1, r)) continue;
    const start = s.start(r);
    // Leaves the enclosing ranges that end before this one starts.
    for (let top = stack.at(-1); top !== undefined && compare(s.end(top), start) < 0;) {
      stack.pop();
      close(top);
      top = stack.at(-1);
    }
    const enclosing = stack.at(-1);
    if (enclosing !== undefined && compare(cursor, start) < 0) {
      emit(s.id(enclosing), cursor, previous(start));
    }
    stack.push(r);
    cursor = start;
  }
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) close(top);
  if (heldId >= 0) s.emit(heldId, heldStart, heldEnd);
}
