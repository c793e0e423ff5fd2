import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sortedIndices } from './radix-sort.ts';

describe('sortedIndices', () => {
  it('orders by the keys, most significant last, ties in index order', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            low: fc.nat(40),
            high: fc.oneof(fc.constantFrom(0, 1, 0xffff, 0x10000, 2 ** 32 - 1), fc.nat()),
          }),
          { maxLength: 200 },
        ),
        (elements) => {
          const lows = Uint8Array.from(elements, (e) => e.low);
          const highs = Uint32Array.from(elements, (e) => e.high >>> 0);
          const expected = elements
            .map((e, i) => ({ ...e, high: e.high >>> 0, i }))
            .sort((a, b) => a.high - b.high || a.low - b.low || a.i - b.i)
            .map((e) => e.i);
          const order = sortedIndices(elements.length, [
            { values: lows, bits: 6 },
            { values: highs, bits: 32 },
          ]);
          expect(Array.from(order)).toEqual(expected);
        },
      ),
    );
  });

  it('reads strided keys (words of an IPv6 address) and skips digits all elements share', () => {
    // Four 64-bit values as two words each (most significant first); their low words are equal.
    const words = Uint32Array.from([2, 7, 1, 7, 2, 7, 1, 7]);
    const order = sortedIndices(4, [
      { values: words, bits: 32, stride: 2, offset: 1 },
      { values: words, bits: 32, stride: 2, offset: 0 },
    ]);
    expect(Array.from(order)).toEqual([1, 3, 0, 2]);
  });
});
