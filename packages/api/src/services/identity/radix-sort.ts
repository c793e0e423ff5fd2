import { defined } from '@allot/domain';

export type SortColumn = Uint8Array | Uint32Array | Int32Array;

/** A key to sort by: an unsigned column of `columns`, of up to 32 bits. */
export interface SortKey {
  column: number;
  bits: number;
}

/**
 * 11-bit digits: 2,048 buckets, whose write positions stay in cache while a pass scatters
 * millions of elements (16-bit digits take fewer passes, but 65,536 scattered write streams
 * miss the cache on nearly every write at ten million elements).
 */
const DIGIT_BITS = 11;
const BUCKETS = 1 << DIGIT_BITS;

/**
 * Sorts parallel columns (their first `count` elements) by `keys`, the least significant first;
 * ties keep their order (a stable sort). Returns the columns sorted, as new arrays of `count`.
 *
 * A least-significant-digit radix sort that moves the columns themselves: each pass reads them
 * in order and writes each element to its bucket's next place. Sorting indices instead costs a
 * random read per element per pass and again to gather the columns into sorted order, which at
 * ten million ranges is most of the sort. A digit every element shares is skipped.
 */
export function sortColumns<const C extends readonly SortColumn[]>(
  count: number,
  columns: C,
  keys: readonly SortKey[],
): { -readonly [K in keyof C]: C[K] } {
  // Each column comes back as the kind of array it went in as.
  return sortAny(count, columns, keys) as { -readonly [K in keyof C]: C[K] };
}

function sortAny(
  count: number,
  columns: readonly SortColumn[],
  keys: readonly SortKey[],
): SortColumn[] {
  const passes: { column: number; shift: number; counts: Uint32Array }[] = [];
  for (const { column, bits } of keys) {
    const values = defined(columns[column], 'a key column');
    for (let shift = 0; shift < bits; shift += DIGIT_BITS) {
      // Every histogram from the unsorted columns: a digit's counts do not depend on the order.
      const counts = new Uint32Array(BUCKETS);
      for (let i = 0; i < count; i++) {
        const digit = (defined(values[i], 'a key') >>> shift) & (BUCKETS - 1);
        counts[digit] = defined(counts[digit], 'a count') + 1;
      }
      if (!counts.includes(count)) passes.push({ column, shift, counts });
    }
  }

  const blank = (column: SortColumn): SortColumn =>
    column instanceof Uint8Array
      ? new Uint8Array(count)
      : column instanceof Uint32Array
        ? new Uint32Array(count)
        : new Int32Array(count);
  if (passes.length === 0) return columns.map((column) => column.slice(0, count));
  // The first pass reads the caller's columns; the later ones go back and forth between two sets.
  let from: readonly SortColumn[] = columns;
  let to = columns.map(blank);
  let other: SortColumn[] | null = null;
  const places = new Uint32Array(count);
  for (const { column, shift, counts } of passes) {
    // Counts to the first place of each bucket, then each element's place.
    let place = 0;
    for (let digit = 0; digit < BUCKETS; digit++) {
      const n = defined(counts[digit], 'a count');
      counts[digit] = place;
      place += n;
    }
    const values = defined(from[column], 'a key column');
    for (let i = 0; i < count; i++) {
      const digit = (defined(values[i], 'a key') >>> shift) & (BUCKETS - 1);
      const at = defined(counts[digit], 'a place');
      places[i] = at;
      counts[digit] = at + 1;
    }
    for (const [c, values] of from.entries()) {
      scatter(values, defined(to[c], 'a column'), places, count);
    }
    const written = to;
    to = from === columns ? (other ??= columns.map(blank)) : (from as SortColumn[]);
    from = written;
  }
  return from as SortColumn[];
}

function scatter(from: SortColumn, to: SortColumn, places: Uint32Array, count: number) {
  for (let i = 0; i < count; i++) {
    to[defined(places[i], 'a place')] = defined(from[i], 'a value');
  }
}
