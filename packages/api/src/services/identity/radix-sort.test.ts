import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sortColumns } from './radix-sort.ts';

describe('sortColumns', () => {
  it('orders the columns by the keys, most significant last, ties in their order', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            low: fc.nat(40),
            high: fc.oneof(fc.constantFrom(0, 1, 0x7ff, 0x800, 0x10000, 2 ** 32 - 1), fc.nat()),
          }),
          { maxLength: 300 },
        ),
        fc.nat(20),
        (elements, slack) => {
          const expected = elements
            .map((e, i) => ({ ...e, i }))
            .sort((a, b) => a.high - b.high || a.low - b.low || a.i - b.i);
          // Columns longer than the count, as growable columns are: the rest is not sorted in.
          const lows = new Uint8Array(elements.length + slack).fill(255);
          const highs = new Uint32Array(elements.length + slack).fill(7);
          const order = new Int32Array(elements.length + slack).fill(-1);
          elements.forEach((e, i) => {
            lows[i] = e.low;
            highs[i] = e.high;
            order[i] = i;
          });
          const [sortedHighs, sortedLows, sortedOrder] = sortColumns(
            elements.length,
            [highs, lows, order],
            [
              { column: 1, bits: 6 },
              { column: 0, bits: 32 },
            ],
          );
          expect(Array.from(sortedOrder)).toEqual(expected.map((e) => e.i));
          expect(Array.from(sortedLows)).toEqual(expected.map((e) => e.low));
          expect(Array.from(sortedHighs)).toEqual(expected.map((e) => e.high));
        },
      ),
    );
  });

  it('skips digits every element shares, and copies columns that need no pass', () => {
    const words = Uint32Array.from([5, 5, 5]);
    const ids = Int32Array.from([2, 1, 0]);
    const [sortedWords, sortedIds] = sortColumns(3, [words, ids], [{ column: 0, bits: 32 }]);
    expect(Array.from(sortedIds)).toEqual([2, 1, 0]);
    expect(sortedWords).not.toBe(words);
    expect(Array.from(sortedWords)).toEqual([5, 5, 5]);
  });
});
