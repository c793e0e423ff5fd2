import { describe, expect, it } from 'vitest';
import { defined } from './defined.ts';

describe('defined', () => {
  it('returns a present value, falsy ones included', () => {
    expect(defined(0, 'count')).toBe(0);
    expect(defined('', 'name')).toBe('');
    expect(defined([1, 2].at(-1), 'last')).toBe(2);
  });

  it('throws, naming what was missing, for undefined and null', () => {
    expect(() => defined([].at(0), 'the first row')).toThrow('the first row is missing');
    expect(() => defined(null, 'the session cookie')).toThrow('the session cookie is missing');
  });
});
