import { describe, expect, it } from 'vitest';
import { KeyCache } from './key-cache.ts';

interface Row {
  id: string;
  partner: string;
  version: number;
}

const TTL_MS = 500;

/** A cache on a clock the test moves, listening, with a table of rows its reads count. */
function setup(max = 100) {
  // Each reading moves the clock a microsecond on: a read begins after what came before it.
  let now = 1_000;
  const clock = { now: () => (now += 0.001) };
  const cache = new KeyCache<Row>({
    max,
    ttlMs: TTL_MS,
    idOf: (row) => row.id,
    partnerOf: (row) => row.partner,
    perf: clock,
  });
  cache.listening = true;
  const rows = new Map<string, Row>();
  let reads = 0;
  const read = (key: string) => () => {
    reads += 1;
    return Promise.resolve(rows.get(key));
  };
  return {
    cache,
    rows,
    get: (key: string) => cache.get(key, read(key)),
    reads: () => reads,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('KeyCache', () => {
  it('serves a found row from memory until its TTL, then reads it again', async () => {
    const t = setup();
    t.rows.set('k', { id: 'a', partner: 'p', version: 1 });
    expect(await t.get('k')).toMatchObject({ version: 1 });
    t.rows.set('k', { id: 'a', partner: 'p', version: 2 });
    t.advance(TTL_MS / 2);
    expect(await t.get('k')).toMatchObject({ version: 1 });
    expect(t.reads()).toBe(1);
    t.advance(TTL_MS / 2);
    expect(await t.get('k')).toMatchObject({ version: 2 });
    expect(t.reads()).toBe(2);
  });

  it('never remembers a key that found nothing', async () => {
    const t = setup();
    expect(await t.get('unknown')).toBeUndefined();
    expect(await t.get('unknown')).toBeUndefined();
    expect(t.reads()).toBe(2);
    expect(t.cache.size).toBe(0);
  });

  it('holds at most `max` entries, dropping the least recently used', async () => {
    const t = setup(2);
    for (const key of ['a', 'b', 'c']) t.rows.set(key, { id: key, partner: 'p', version: 1 });
    await t.get('a');
    await t.get('b');
    await t.get('a');
    await t.get('c');
    expect(t.cache.size).toBe(2);
    const before = t.reads();
    await t.get('a');
    await t.get('c');
    expect(t.reads()).toBe(before);
    await t.get('b');
    expect(t.reads()).toBe(before + 1);
  });

  it('forgets by the row id, and by the partner, at once', async () => {
    const t = setup();
    t.rows.set('k1', { id: 'a', partner: 'p', version: 1 });
    t.rows.set('k2', { id: 'b', partner: 'p', version: 1 });
    t.rows.set('k3', { id: 'c', partner: 'q', version: 1 });
    for (const key of ['k1', 'k2', 'k3']) await t.get(key);
    t.cache.forgetIds(['a']);
    expect(t.cache.size).toBe(2);
    t.cache.forgetPartner('p');
    expect(t.cache.size).toBe(1);
    const before = t.reads();
    await t.get('k3');
    expect(t.reads()).toBe(before);
  });

  it('does not store a read that a change overtook', async () => {
    const t = setup();
    t.rows.set('k', { id: 'a', partner: 'p', version: 1 });
    let release = () => {};
    const slow = t.cache.get('k', async () => {
      const row = t.rows.get('k');
      await new Promise<void>((resolve) => (release = resolve));
      return row;
    });
    // The row changes and is announced while the read that saw it is still on its way.
    t.rows.set('k', { id: 'a', partner: 'p', version: 2 });
    t.cache.forgetIds(['a']);
    release();
    expect(await slow).toMatchObject({ version: 1 });
    expect(await t.get('k')).toMatchObject({ version: 2 });
  });

  it('reads every time while not listening, and drops what it held on either change', async () => {
    const t = setup();
    t.rows.set('k', { id: 'a', partner: 'p', version: 1 });
    await t.get('k');
    t.cache.listening = false;
    expect(t.cache.size).toBe(0);
    await t.get('k');
    await t.get('k');
    expect(t.reads()).toBe(3);
    expect(t.cache.size).toBe(0);
    t.cache.listening = true;
    await t.get('k');
    await t.get('k');
    expect(t.reads()).toBe(4);
  });

  it('forgets nothing it holds for a row it has already dropped', async () => {
    const t = setup(10);
    for (let i = 0; i < 1_000; i += 1) {
      t.rows.set(`k${i}`, { id: `id${i}`, partner: `p${i}`, version: 1 });
      await t.get(`k${i}`);
      t.advance(1);
    }
    expect(t.cache.size).toBe(10);
    // What was evicted is forgotten by nobody: the newest ten are still there.
    t.cache.forgetIds(['id0', 'id1']);
    t.cache.forgetPartner('p2');
    expect(t.cache.size).toBe(10);
    t.cache.forgetPartner('p999');
    expect(t.cache.size).toBe(9);
  });
});
