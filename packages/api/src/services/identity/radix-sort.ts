import { defined } from '@allot/domain';

/** One unsigned key of up to 32 bits per element: element i's is `values[i * stride + offset]`. */
export interface SortKey {
  values: Uint8Array | Uint32Array;
  bits: number;
  stride?: number;
  offset?: number;
}

const DIGIT_BITS = 16;
const BUCKETS = 1 << DIGIT_BITS;

/**
 * The indices 0..count-1 ordered by their keys (`keys[0]` the least significant), ties in index
 * order. A least-significant-digit radix sort in 16-bit digits: a few linear passes instead of
 * the 20-odd comparisons per element of a comparison sort at millions of elements, and no
 * comparator call (or BigInt key) per comparison. A digit that is the same for every element
 * (the low words of IPv6 networks, say) is skipped.
 */
export function sortedIndices(count: number, keys: readonly SortKey[]): Uint32Array {
  const passes: { key: SortKey; shift: number; counts: Uint32Array }[] = [];
  for (const key of keys) {
    for (let shift = 0; shift < key.bits; shift += DIGIT_BITS) {
      // Every histogram in one sequential read of the keys: they do not depend on the order.
      const counts = new Uint32Array(BUCKETS);
      const { values, stride = 1, offset = 0 } = key;
      for (let i = 0; i < count; i++) {
        const digit = (defined(values[i * stride + offset], 'a key') >>> shift) & (BUCKETS - 1);
        counts[digit] = defined(counts[digit], 'a count') + 1;
      }
      if (!counts.includes(count)) passes.push({ key, shift, counts });
    }
  }

  let order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  if (passes.length === 0) return order;
  let next = new Uint32Array(count);
  for (const { key, shift, counts } of passes) {
    // Counts to starting positions.
    let position = 0;
    for (let digit = 0; digit < BUCKETS; digit++) {
      const n = defined(counts[digit], 'a count');
      counts[digit] = position;
      position += n;
    }
    const { values, stride = 1, offset = 0 } = key;
    for (let k = 0; k < count; k++) {
      const i = defined(order[k], 'an index');
      const digit = (defined(values[i * stride + offset], 'a key') >>> shift) & (BUCKETS - 1);
      const at = defined(counts[digit], 'a position');
      next[at] = i;
      counts[digit] = at + 1;
    }
    [order, next] = [next, order];
  }
  return order;
}
