/**
 * `value`, which the caller knows is there: the row a query must return, an element inside its
 * array's bounds, a key just set. A broken assumption fails here, naming what was missing,
 * instead of as a TypeError further on (the lint forbids the non-null assertion that would hide it).
 */
export function defined<T>(value: T | null | undefined, what: string): T {
  if (value === undefined || value === null) throw new Error(`${what} is missing`);
  return value;
}
