/**
 * Growable typed arrays: a dataset's millions of numbers kept outside the JavaScript heap, where
 * they cost their bytes and nothing for the collector to trace (a plain array of numbers costs
 * 8 to 16 bytes an element and a full copy at each growth of its backing store alike).
 */

type Typed = Uint8Array | Uint32Array | Int32Array;

export class Column<T extends Typed> {
  array: T;
  length = 0;

  constructor(private readonly make: (length: number) => T) {
    this.array = make(1024);
  }

  push(value: number): void {
    if (this.length === this.array.length) this.grow(this.length + 1);
    this.array[this.length++] = value;
  }

  /** Room for `extra` more elements without a growth in between. */
  reserve(extra: number): void {
    if (this.length + extra > this.array.length) this.grow(this.length + extra);
  }

  /** Lets the elements go (the column is empty again). */
  clear(): void {
    this.array = this.make(0);
    this.length = 0;
  }

  /** The elements, in an array of exactly their length (a copy: the spare capacity is freed). */
  trimmed(): T {
    return this.array.slice(0, this.length) as T;
  }

  private grow(needed: number) {
    // 1.5x rather than 2x: at tens of millions of elements the spare half is hundreds of MB.
    const next = this.make(Math.max(needed, 1024, Math.ceil(this.array.length * 1.5)));
    next.set(this.array);
    this.array = next;
  }
}

export const uint8Column = () => new Column((n) => new Uint8Array(n));
export const uint32Column = () => new Column((n) => new Uint32Array(n));
export const int32Column = () => new Column((n) => new Int32Array(n));
